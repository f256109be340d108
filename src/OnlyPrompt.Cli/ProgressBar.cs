using System.Globalization;
using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Cli;

/// <summary>One self-overwriting progress line for the running stage (only on a terminal).</summary>
public sealed class ProgressBar(TextWriter output, bool enabled)
{
    private const int Width = 30;
    private bool shown;

    public void Show(StageProgress progress)
    {
        if (!enabled || progress.Progress is not { Total: > 0 } p)
            return;
        var filled = (int)(Width * Math.Clamp((double)p.Done / p.Total, 0, 1));
        var loss = progress.Metrics.TryGetValue("loss", out var value) ? $" loss {value.ToString("F4", CultureInfo.InvariantCulture)}" : "";
        var rate = p.Rate > 0 ? $" {p.Rate:F0} {p.RateUnit}" : "";
        output.Write($"\r  {progress.Stage,-16} [{new string('#', filled)}{new string('.', Width - filled)}] {p.Done}/{p.Total}{loss}{rate}   ");
        shown = true;
    }

    public void Clear()
    {
        if (!shown)
            return;
        output.Write("\r" + new string(' ', 100) + "\r");
        shown = false;
    }
}
