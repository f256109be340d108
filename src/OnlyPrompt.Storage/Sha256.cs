using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace OnlyPrompt.Storage;

/// <summary>Content hashes as they name things: 64 lowercase hex digits, so a hash used as a file name stays inside its folder.</summary>
public static partial class Sha256Text
{
    public static bool IsWellFormed(string text) => WellFormed().IsMatch(text);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex WellFormed();
}

internal static class Sha256
{
    public static async Task<string> OfStreamAsync(Stream stream, CancellationToken cancellation) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation));
}

/// <summary>SHA-256 (our reference) and MD5 (what the storage service reports back) of content, in one pass.</summary>
internal static class ContentHashes
{
    public static async Task<(string Sha256, byte[] Md5)> OfFileAsync(string path, CancellationToken cancellation)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        await using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellation)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            md5.AppendData(buffer, 0, read);
        }
        return (Convert.ToHexStringLower(sha.GetHashAndReset()), md5.GetHashAndReset());
    }

    public static (string Sha256, byte[] Md5) OfBytes(byte[] bytes) => (Convert.ToHexStringLower(SHA256.HashData(bytes)), MD5.HashData(bytes));
}
