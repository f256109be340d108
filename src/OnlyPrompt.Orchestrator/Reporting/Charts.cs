using ScottPlot;

namespace OnlyPrompt.Orchestrator.Reporting;

/// <summary>A named series of points; for bar charts, one value per category (x = 0, 1, ...).</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>The report's figures, drawn by ScottPlot as a paper draws them: lines with markers, or grouped bars.</summary>
public static class Charts
{
    public const int Width = 720, Height = 420;
    // DejaVu ships with most Linux images; where it is missing Skia falls back to its default face.
    private const string FontName = "DejaVu Sans";
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    /// <param name="xLabels">Labels for x = 0, 1, ... (stage names, say); null labels the axis with whole numbers.</param>
    public static Plot Lines(string title, string xTitle, string yTitle, IReadOnlyList<Series> series, IReadOnlyList<string>? xLabels = null)
    {
        var plot = Frame(title, xTitle, yTitle);
        for (var s = 0; s < series.Count; s++)
        {
            var ordered = series[s].Points.OrderBy(p => p.X).ToArray();
            var line = plot.Add.Scatter(ordered.Select(p => p.X).ToArray(), ordered.Select(p => p.Y).ToArray(), Palette.GetColor(s));
            (line.LegendText, line.LineWidth, line.MarkerSize) = (series[s].Name, 2, 6);
        }
        if (xLabels is not null)
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, xLabels.Count).Select(i => (double)i).ToArray(), xLabels.ToArray());
        else
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return Finish(plot, series.Count);
    }

    /// <summary>Grouped bars: for each category, one bar per series, side by side.</summary>
    public static Plot GroupedBars(string title, string xTitle, string yTitle, IReadOnlyList<string> categories, IReadOnlyList<Series> series)
    {
        var plot = Frame(title, xTitle, yTitle);
        var width = 0.8 / Math.Max(1, series.Count);
        for (var s = 0; s < series.Count; s++)
        {
            var color = Palette.GetColor(s);
            plot.Add.Bars(series[s].Points.Select(p => new Bar
            {
                Position = p.X - 0.4 + (s + 0.5) * width, Value = p.Y, Size = width * 0.95, FillColor = color, LineWidth = 0,
            }).ToList());
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = color });
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Count).Select(i => (double)i).ToArray(), categories.ToArray());
        plot.Axes.Margins(bottom: 0);
        return Finish(plot, series.Count);
    }

    public static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);

    private static Plot Frame(string title, string xTitle, string yTitle)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xTitle);
        plot.YLabel(yTitle);
        plot.Font.Set(FontName);
        plot.Legend.FontName = FontName;
        return plot;
    }

    // Beside the plot, not over it, so no legend hides a line or a bar.
    private static Plot Finish(Plot plot, int series)
    {
        if (series > 1)
            plot.ShowLegend(Edge.Right);
        return plot;
    }
}
