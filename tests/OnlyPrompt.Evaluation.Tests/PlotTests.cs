using System.Buffers.Binary;
using System.IO.Compression;
using OnlyPrompt.Evaluation.Plots;

namespace OnlyPrompt.Evaluation.Tests;

public class PlotTests
{
    [Fact]
    public void PngFilesHaveValidChunksAndHoldTheExactPixels()
    {
        var pixels = Enumerable.Range(0, 7 * 5 * 3).Select(i => (byte)(i * 37)).ToArray();
        var (width, height, decoded) = Decode(PngEncoder.Encode(7, 5, pixels));
        Assert.Equal((7, 5), (width, height));
        Assert.Equal(pixels, decoded);
    }

    [Fact]
    public void ALineChartDrawsEachSeriesInItsColour()
    {
        var png = Charts.Lines("Quality", "round", "quality",
            [new Series("method", [(0, 0.6), (1, 0.7), (2, 0.75)]), new Series("baseline", [(0, 0.6), (1, 0.62), (2, 0.61)])], ["sft", "r1", "r2"]);
        var (width, _, rgb) = Decode(png);
        bool Has(Rgb c) => Enumerable.Range(0, rgb.Length / 3).Any(i => rgb[3 * i] == c.R && rgb[3 * i + 1] == c.G && rgb[3 * i + 2] == c.B);
        Assert.Equal(720, width);
        Assert.True(Has(Rgb.Series[0]) && Has(Rgb.Series[1]) && Has(Rgb.Black));
        Assert.False(Has(Rgb.Series[2]));
    }

    [Fact]
    public void ABarChartWithNegativeAndEmptyDataStillRenders()
    {
        Assert.NotEmpty(Charts.Bars("Removed", "pairs", ["leak", "cut"], [new Series("r1", [(0, 3), (1, -1)])]));
        Assert.NotEmpty(Charts.Lines("Empty", "x", "y", []));
    }

    /// <summary>Reads back an 8-bit RGB, filter-0 PNG as <see cref="PngEncoder"/> writes it, checking every chunk's CRC.</summary>
    private static (int Width, int Height, byte[] Rgb) Decode(byte[] png)
    {
        Assert.Equal([137, 80, 78, 71, 13, 10, 26, 10], png[..8]);
        var (width, height) = (0, 0);
        using var idat = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            Assert.Equal(Crc32(png.AsSpan(at + 4, length + 4)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length)));
            if (type == "IHDR")
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data[4..]));
            if (type == "IDAT")
                idat.Write(data);
            at += 12 + length;
        }
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(idat.ToArray()), CompressionMode.Decompress))
            zlib.CopyTo(inflated);
        var raw = inflated.ToArray();
        Assert.Equal(height * (1 + width * 3), raw.Length);
        return (width, height, Enumerable.Range(0, height).SelectMany(y => raw.Skip(y * (1 + width * 3) + 1).Take(width * 3)).ToArray());
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }
}
