using System.Globalization;
using OnlyPrompt.Orchestrator.V1;
using Spectre.Console;

namespace OnlyPrompt.Cli;

/// <summary>
/// The running stage's progress while a run is watched. On a terminal, Spectre.Console's progress bars (description,
/// bar, percentage, time left) under the committed rows, which then go through the same console so the bars never tear
/// them; elsewhere (a pipe, a log, CI) nothing but the rows, as plain lines.
/// </summary>
public sealed class StageProgressDisplay
{
    private readonly ProgressContext? context;
    private readonly Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);

    private StageProgressDisplay(ProgressContext? context, TextWriter output) => (this.context, Output) = (context, output);

    /// <summary>Where the rows go: the live console on a terminal, standard output otherwise.</summary>
    public TextWriter Output { get; }

    /// <summary>Runs <paramref name="watch"/> with bars on <paramref name="console"/> when it is an interactive terminal.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, bool terminal, Func<StageProgressDisplay, Task<T>> watch)
    {
        if (!terminal || !console.Profile.Capabilities.Interactive)
            return watch(new StageProgressDisplay(null, Console.Out));
        return console.Progress().AutoClear(true).HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn())
            .StartAsync(context => watch(new StageProgressDisplay(context, new ConsoleLines(console))));
    }

    public void Show(StageProgress progress)
    {
        if (context is null || progress.Progress is not { Total: > 0 } p)
            return;
        if (!tasks.TryGetValue(progress.Stage, out var task))
            tasks[progress.Stage] = task = context.AddTask(Markup.Escape(progress.Stage));
        var loss = progress.Metrics.TryGetValue("loss", out var value) ? $" loss {value.ToString("F4", CultureInfo.InvariantCulture)}" : "";
        var rate = p.Rate > 0 ? $" {p.Rate.ToString("F0", CultureInfo.InvariantCulture)} {p.RateUnit}" : "";
        task.Description = Markup.Escape($"{progress.Stage} {p.Done}/{p.Total}{loss}{rate}");
        task.MaxValue = p.Total;
        task.Value = p.Done;
    }

    /// <summary>The stage was committed: its bar goes.</summary>
    public void Done(string stage)
    {
        if (tasks.Remove(stage, out var task))
            task.StopTask();
    }

    // Whole lines to the live console, which prints them above the bars.
    private sealed class ConsoleLines(IAnsiConsole console) : TextWriter
    {
        private readonly System.Text.StringBuilder line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                console.WriteLine(line.ToString().TrimEnd('\r'));
                line.Clear();
            }
            else
                line.Append(value);
        }
    }
}
