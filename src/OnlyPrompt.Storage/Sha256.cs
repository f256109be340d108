using System.Security.Cryptography;

namespace OnlyPrompt.Storage;

internal static class Sha256
{
    public static async Task<string> OfFileAsync(string path, CancellationToken cancellation)
    {
        await using var stream = File.OpenRead(path);
        return await OfStreamAsync(stream, cancellation);
    }

    public static async Task<string> OfStreamAsync(Stream stream, CancellationToken cancellation) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation));

    public static string OfBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
