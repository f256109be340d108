using System.Globalization;

namespace OnlyPrompt.Evaluation.Plots;

/// <summary>A named series of points; for bar charts, one value per category.</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// Line and grouped-bar charts rendered to PNG with gridlines, tick labels and a legend: enough for a run
/// report's pictures without a plotting library.
/// </summary>
public static class Charts
{
    private const int Left = 64, Right = 16, Top = 34, Bottom = 48, LegendRow = 12;

    /// <param name="xLabels">Labels for integer x positions (e.g. stage names); null labels the x axis with numbers.</param>
    public static byte[] Lines(string title, string xTitle, string yTitle, IReadOnlyList<Series> series, IReadOnlyList<string>? xLabels = null,
        int width = 720, int height = 420)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        var (xMin, xMax) = points.Count == 0 ? (0.0, 1.0) : (points.Min(p => p.X), points.Max(p => p.X));
        var frame = Frame(title, xTitle, yTitle, series, points.Select(p => p.Y), width, height, xMin, xMax);
        for (var s = 0; s < series.Count; s++)
        {
            var color = Rgb.Series[s % Rgb.Series.Length];
            var ordered = series[s].Points.OrderBy(p => p.X).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                var (x, y) = (frame.X(ordered[i].X), frame.Y(ordered[i].Y));
                frame.Canvas.FillRectangle((int)x - 2, (int)y - 2, 5, 5, color);
                if (i > 0)
                    frame.Canvas.Line(frame.X(ordered[i - 1].X), frame.Y(ordered[i - 1].Y), x, y, color, thickness: 2);
            }
        }
        XTicks(frame, xMin, xMax, xLabels);
        return frame.Canvas.ToPng();
    }

    /// <summary>Grouped bars: for each category (x = 0, 1, ...), one bar per series.</summary>
    public static byte[] Bars(string title, string yTitle, IReadOnlyList<string> categories, IReadOnlyList<Series> series, int width = 720, int height = 420)
    {
        var frame = Frame(title, "", yTitle, series, series.SelectMany(s => s.Points.Select(p => p.Y)).Append(0), width, height, -0.5, categories.Count - 0.5);
        var slot = (frame.X(1) - frame.X(0)) * 0.8 / Math.Max(1, series.Count);
        for (var s = 0; s < series.Count; s++)
            foreach (var (x, y) in series[s].Points)
            {
                var left = frame.X(x) - slot * series.Count / 2 + s * slot;
                var (top, bottom) = (frame.Y(Math.Max(0, y)), frame.Y(Math.Min(0, y)));
                frame.Canvas.FillRectangle((int)left, (int)top, Math.Max(1, (int)slot - 1), Math.Max(1, (int)(bottom - top)), Rgb.Series[s % Rgb.Series.Length]);
            }
        XTicks(frame, -0.5, categories.Count - 0.5, categories);
        return frame.Canvas.ToPng();
    }

    private sealed record PlotFrame(Canvas Canvas, Func<double, double> X, Func<double, double> Y, int PlotLeft, int PlotRight, int PlotBottom);

    private static PlotFrame Frame(string title, string xTitle, string yTitle, IReadOnlyList<Series> series, IEnumerable<double> values, int width, int height,
        double xMin, double xMax)
    {
        var canvas = new Canvas(width, height);
        var ys = values.Where(double.IsFinite).ToList();
        var (yMin, yMax) = ys.Count == 0 ? (0.0, 1.0) : (ys.Min(), ys.Max());
        if (yMax - yMin < 1e-9)
            (yMin, yMax) = (yMin - 0.5, yMax + 0.5);
        var step = NiceStep((yMax - yMin) / 5);
        (yMin, yMax) = (Math.Floor(yMin / step) * step, Math.Ceiling(yMax / step) * step);
        if (xMax - xMin < 1e-9)
            (xMin, xMax) = (xMin - 0.5, xMax + 0.5);
        var legendHeight = ((series.Count + 2) / 3) * LegendRow;
        int plotLeft = Left, plotRight = width - Right, plotTop = Top + legendHeight, plotBottom = height - Bottom;
        double X(double x) => plotLeft + (x - xMin) / (xMax - xMin) * (plotRight - plotLeft);
        double Y(double y) => plotBottom - (y - yMin) / (yMax - yMin) * (plotBottom - plotTop);

        canvas.Text((width - PixelFont.MeasureWidth(title) * 2) / 2, 6, title, Rgb.Black, scale: 2);
        for (var s = 0; s < series.Count; s++)
        {
            var (lx, ly) = (plotLeft + s % 3 * ((plotRight - plotLeft) / 3), Top - 6 + s / 3 * LegendRow);
            canvas.FillRectangle(lx, ly + 1, 10, 5, Rgb.Series[s % Rgb.Series.Length]);
            canvas.Text(lx + 14, ly, series[s].Name, Rgb.DarkGrey);
        }
        for (var y = yMin; y <= yMax + step / 2; y += step)
        {
            canvas.Line(plotLeft, Y(y), plotRight, Y(y), Rgb.Grey);
            var label = y.ToString(step < 0.01 ? "0.000" : step < 0.1 ? "0.00" : step < 1 ? "0.0" : "0", CultureInfo.InvariantCulture);
            canvas.Text(plotLeft - 4 - PixelFont.MeasureWidth(label), (int)Y(y) - 3, label, Rgb.Black);
        }
        canvas.Line(plotLeft, plotTop, plotLeft, plotBottom, Rgb.Black);
        canvas.Line(plotLeft, plotBottom, plotRight, plotBottom, Rgb.Black);
        canvas.Text((plotLeft + plotRight - PixelFont.MeasureWidth(xTitle)) / 2, height - 12, xTitle, Rgb.Black);
        for (var i = 0; i < yTitle.Length; i++) // vertical, one character per row
            canvas.Text(4, (plotTop + plotBottom) / 2 - yTitle.Length * 4 + i * 8, yTitle[i].ToString(), Rgb.Black);
        return new PlotFrame(canvas, X, Y, plotLeft, plotRight, plotBottom);
    }

    private static void XTicks(PlotFrame frame, double xMin, double xMax, IReadOnlyList<string>? labels)
    {
        if (labels is not null)
        {
            for (var i = 0; i < labels.Count; i++)
                if (i >= xMin && i <= xMax)
                    Tick(frame, i, labels[i]);
            return;
        }
        var step = NiceStep((xMax - xMin) / 8);
        for (var x = Math.Ceiling(xMin / step) * step; x <= xMax + step / 2; x += step)
            Tick(frame, x, x.ToString(step < 1 ? "0.0" : "0", CultureInfo.InvariantCulture));
    }

    private static void Tick(PlotFrame frame, double x, string label)
    {
        var px = frame.X(x);
        frame.Canvas.Line(px, frame.PlotBottom, px, frame.PlotBottom + 3, Rgb.Black);
        frame.Canvas.Text((int)px - PixelFont.MeasureWidth(label) / 2, frame.PlotBottom + 7, label, Rgb.Black);
    }

    private static double NiceStep(double rough)
    {
        if (!(rough > 0))
            return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return magnitude * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
    }
}
