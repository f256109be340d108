using Grpc.Core;
using OnlyPrompt.Services;
using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Cli;

/// <summary>
/// <c>onlyprompt report RUN [--out DIR]</c>: saves a finished run's report (Markdown and pictures) locally and prints the Markdown.
/// </summary>
public static class ReportCommand
{
    public static async Task<int> RunAsync(Arguments arguments)
    {
        using var connection = new OrchestratorConnection(arguments);
        var output = arguments.Text("--out");
        var runId = arguments.Positional ?? throw new UsageException("give the run's id.");
        output ??= Path.Combine(".onlyprompt", "reports", runId);
        try
        {
            if (await SaveAsync(connection, runId, output) is not { } markdown)
                return 1;
            Console.WriteLine(await File.ReadAllTextAsync(markdown));
            Console.WriteLine($"saved with its pictures in {Path.GetFullPath(output)}");
            return 0;
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"{connection.Address}: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
    }

    /// <summary>
    /// Downloads the run's report files into <paramref name="output"/>; returns the Markdown's path, or null (said why)
    /// when the run has none yet.
    /// </summary>
    public static async Task<string?> SaveAsync(OrchestratorConnection connection, string runId, string output)
    {
        var run = (await connection.Client.GetRunAsync(new GetRunRequest { RunId = runId }, connection.Headers)).Run;
        var report = run.Stages.FirstOrDefault(s => s.Name == StageNames.Report);
        if (report is null)
        {
            Console.Error.WriteLine($"run {runId} has no report yet ({RunCommands.State(run.State)}, {run.Stages.Count} stages committed); " +
                                    "it is written when the run's last stage is done.");
            return null;
        }
        var store = connection.Store();
        Directory.CreateDirectory(output);
        foreach (var (name, blob) in report.Files)
            await store.DownloadFileAsync(blob.ToStored(), Path.Combine(output, name));
        return Path.Combine(output, "report.md");
    }
}
