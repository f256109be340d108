using OnlyPrompt.Cli;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Orchestrator.V1;
using Spectre.Console.Testing;

namespace OnlyPrompt.Services.Tests;

/// <summary>The watch's progress: Spectre.Console's bars on a terminal, with the rows through the same console; plain rows elsewhere.</summary>
public class StageProgressDisplayTests
{
    private static StageProgress Step(long done) => new()
    {
        Stage = "round-1/train", Progress = new Progress { Done = done, Total = 40, Rate = 900, RateUnit = "tokens/s" },
        Metrics = { ["loss"] = 0.6931 },
    };

    private const string Bar = "round-1/train 30/40 loss 0.6931 900 tokens/s";

    [Fact]
    public async Task On_a_terminal_the_rows_and_the_bar_share_the_console()
    {
        var console = new TestConsole().Interactive();
        var rows = new[] { "stage     rej  pairs", "round 1     3   1000" };

        await StageProgressDisplay.RunAsync(console, terminal: true, async display =>
        {
            display.Output.WriteLine(rows[0]);
            display.Show(Step(10));
            display.Show(Step(30));
            for (var waited = 0; !console.Output.Contains(Bar, StringComparison.Ordinal) && waited < 10_000; waited += 50)
                await Task.Delay(50); // the bars refresh on a timer
            display.Done("round-1/train");
            display.Output.WriteLine(rows[1]);
            return 0;
        });

        var output = console.Output;
        Assert.True(output.IndexOf(rows[0], StringComparison.Ordinal) < output.IndexOf(rows[1], StringComparison.Ordinal), output);
        Assert.Contains(Bar, output);
    }

    [Fact]
    public async Task Elsewhere_only_the_rows_are_written_to_standard_output()
    {
        var console = new TestConsole().Interactive();

        var output = await StageProgressDisplay.RunAsync(console, terminal: false, display =>
        {
            display.Show(Step(10));
            return Task.FromResult(display.Output);
        });

        Assert.Same(Console.Out, output);
        Assert.Equal("", console.Output);
    }
}
