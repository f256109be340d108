namespace OnlyPrompt.Evaluation.Plots;

public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255), Black = new(0, 0, 0), Grey = new(200, 200, 200), DarkGrey = new(90, 90, 90);

    /// <summary>Distinct colours for series, in order.</summary>
    public static readonly Rgb[] Series = [new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14), new(148, 103, 189), new(140, 86, 75), new(227, 119, 194), new(23, 190, 207)];
}

/// <summary>An RGB raster with the few drawing operations charts need.</summary>
public sealed class Canvas(int width, int height)
{
    private readonly byte[] pixels = Enumerable.Repeat((byte)255, width * height * 3).ToArray();

    public int Width => width;
    public int Height => height;

    public void Set(int x, int y, Rgb color)
    {
        if (x < 0 || y < 0 || x >= width || y >= height)
            return;
        var i = (y * width + x) * 3;
        (pixels[i], pixels[i + 1], pixels[i + 2]) = (color.R, color.G, color.B);
    }

    public void FillRectangle(int x, int y, int w, int h, Rgb color)
    {
        for (var yy = y; yy < y + h; yy++)
            for (var xx = x; xx < x + w; xx++)
                Set(xx, yy, color);
    }

    /// <summary>A line <paramref name="thickness"/> pixels wide (Bresenham, stamped with a square).</summary>
    public void Line(double x0, double y0, double x1, double y1, Rgb color, int thickness = 1)
    {
        int ax = (int)Math.Round(x0), ay = (int)Math.Round(y0), bx = (int)Math.Round(x1), by = (int)Math.Round(y1);
        int dx = Math.Abs(bx - ax), dy = -Math.Abs(by - ay), sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1, error = dx + dy;
        var offset = (thickness - 1) / 2;
        while (true)
        {
            FillRectangle(ax - offset, ay - offset, thickness, thickness, color);
            if (ax == bx && ay == by)
                break;
            var twice = 2 * error;
            if (twice >= dy)
            {
                error += dy;
                ax += sx;
            }
            if (twice <= dx)
            {
                error += dx;
                ay += sy;
            }
        }
    }

    public void Text(int x, int y, string text, Rgb color, int scale = 1)
    {
        for (var i = 0; i < text.Length; i++)
            for (var row = 0; row < PixelFont.Height; row++)
                for (var column = 0; column < PixelFont.Width; column++)
                    if (PixelFont.IsLit(text[i], column, row))
                        FillRectangle(x + (i * PixelFont.Advance + column) * scale, y + row * scale, scale, scale, color);
    }

    public byte[] ToPng() => PngEncoder.Encode(width, height, pixels);
}
