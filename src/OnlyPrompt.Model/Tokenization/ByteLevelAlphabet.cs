using System.Text;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>
/// GPT-2's reversible map between bytes and printable characters: printable Latin-1 bytes stand for
/// themselves, the other bytes for characters from U+0100 on.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = new char[256];
    private static readonly Dictionary<char, byte> CharToByte = new();

    static ByteLevelAlphabet()
    {
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            ByteToChar[b] = printable ? (char)b : (char)next++;
            CharToByte[ByteToChar[b]] = (byte)b;
        }
    }

    public static char CharFor(byte value) => ByteToChar[value];

    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>The bytes a token stands for; a token with characters outside the alphabet (an added token) stands for its own UTF-8.</summary>
    public static void AppendBytes(string token, List<byte> bytes)
    {
        var start = bytes.Count;
        foreach (var c in token)
        {
            if (!CharToByte.TryGetValue(c, out var b))
            {
                bytes.RemoveRange(start, bytes.Count - start);
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
            bytes.Add(b);
        }
    }
}
