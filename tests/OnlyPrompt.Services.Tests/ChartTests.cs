using OnlyPrompt.Orchestrator.Reporting;
using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;

namespace OnlyPrompt.Services.Tests;

public class ChartTests
{
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    [Fact]
    public void ALineChartDrawsEachSeriesInItsColourOnAPngOfTheReportsSize()
    {
        var plot = Charts.Lines("Quality", "stage", "quality",
            [new Series("method", [(0, 0.6), (1, 0.7), (2, 0.75)]), new Series("baseline", [(0, 0.6), (1, 0.62), (2, 0.61)])], ["sft", "r1", "r2"]);
        using var image = SKBitmap.Decode(Charts.Png(plot));
        Assert.Equal((Charts.Width, Charts.Height), (image.Width, image.Height));
        var colours = image.Pixels.Select(p => (p.Red, p.Green, p.Blue)).ToHashSet();
        bool Has(int series) => colours.Contains((Palette.GetColor(series).R, Palette.GetColor(series).G, Palette.GetColor(series).B));
        Assert.True(Has(0) && Has(1));
        Assert.False(Has(2));
        Assert.Equal(["sft", "r1", "r2"], plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label));
    }

    [Fact]
    public void RoundsOnANumericAxisAreWholeNumbers()
    {
        var plot = Charts.Lines("Loss", "round", "loss", [new Series("loss", [(1, 0.9), (2, 0.7), (3, 0.65)])]);
        Charts.Png(plot);
        var labels = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label).ToList();
        Assert.Contains("2", labels);
        Assert.All(labels, label => Assert.True(int.TryParse(label, out _), $"tick label '{label}' is not a whole number"));
    }

    [Fact]
    public void GroupedBarsPutEachSeriesSideBySideWithinItsCategory()
    {
        var plot = Charts.GroupedBars("Kept pairs", "round", "reward", ["1", "2"],
            [new Series("chosen", [(0, 0.8), (1, 0.9)]), new Series("rejected", [(0, 0.3), (1, -0.2)])]);
        var bars = plot.GetPlottables().OfType<BarPlot>().Select(b => b.Bars.ToList()).ToList();
        Assert.Equal([0.8, 0.9], bars[0].Select(b => b.Value));
        Assert.Equal([0.3, -0.2], bars[1].Select(b => b.Value));
        for (var category = 0; category < 2; category++)
        {
            var (chosen, rejected) = (bars[0][category], bars[1][category]);
            Assert.InRange(chosen.Position, category - 0.5, category);
            Assert.InRange(rejected.Position, category, category + 0.5);
            Assert.True(chosen.Position + chosen.Size / 2 <= rejected.Position - rejected.Size / 2, "bars of one category overlap");
        }
        Assert.Equal(["chosen", "rejected"], plot.Legend.ManualItems.Select(i => i.LabelText));
        using var image = SKBitmap.Decode(Charts.Png(plot));
        Assert.Equal(Charts.Width, image.Width);
    }

    [Fact]
    public void AChartWithoutDataStillRenders()
    {
        using var image = SKBitmap.Decode(Charts.Png(Charts.Lines("Empty", "x", "y", [])));
        Assert.Equal(Charts.Height, image.Height);
    }
}
