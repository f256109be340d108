using Google.Protobuf;
using Grpc.Core;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;
using OnlyPrompt.Worlds;
using AnsiConsole = Spectre.Console.AnsiConsole;

namespace OnlyPrompt.Cli;

/// <summary><c>onlyprompt run|watch|list|get|cancel</c>: a gRPC client of any OnlyPrompt orchestrator.</summary>
public static class RunCommands
{
    /// <summary>Reads the run spec's switches that every way of starting runs takes, and returns what sets them on a spec.</summary>
    public static Action<RunSpec> ReadFlags(Arguments arguments)
    {
        var (stop, keepBetter, noReuse) = (arguments.Flag("--stop-without-prefix-gap"), arguments.Flag("--keep-better-model"),
            arguments.Flag("--no-reuse"));
        return spec => (spec.StopWithoutPrefixGap, spec.KeepBetterModel, spec.NoReuse) = (stop, keepBetter, noReuse);
    }

    // The run's spec from a spec file (--spec), the user's model and data (--model ...), or a preset of the default world.
    private static async Task<(RunSpec Spec, string Description)> SpecAsync(Arguments arguments, OrchestratorConnection connection,
        CancellationToken cancellation)
    {
        if (arguments.Text("--spec") is { } file)
        {
            var fromFile = await RunSpecFile.PrepareAsync(file, connection.Store(), Console.Out, cancellation);
            return (fromFile, $"{fromFile.Name}, from {file}");
        }
        if (ModelDataRun.Requested(arguments))
        {
            var given = await ModelDataRun.PrepareAsync(arguments, connection.Store(), Console.Out, cancellation);
            return (given, $"{given.Name}: {given.Rounds.Count} rounds, scored by {given.Evaluation.Scorer}");
        }
        var options = RunOptions.Apply(arguments,
            ExperimentOptions.Preset(arguments.Text("--preset") ?? "default", arguments.Integer("--seed") ?? 1));
        var kind = RunOptions.Kind(arguments);
        var spec = RunKinds.Apply(RunSpecs.FromExperiment(options), kind);
        spec.Given = await WorldUpload.PrepareAsync(options, connection.Store(), StorageLayout.DefaultContainer, Console.Out, cancellation);
        return (spec, $"{options.PresetName}, seed {options.Seed}, {kind}: {RunKinds.Describe(kind)}");
    }

    public static async Task<int> RunAsync(string command, Arguments arguments)
    {
        using var connection = new OrchestratorConnection(arguments);
        var (client, headers, address) = (connection.Client, connection.Headers, connection.Address);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        try
        {
            switch (command)
            {
                case "run":
                {
                    var (runId, detach, applyFlags) = (arguments.Text("--id") ?? "", arguments.Flag("--detach"), ReadFlags(arguments));
                    var (spec, description) = await SpecAsync(arguments, connection, cancel.Token);
                    applyFlags(spec);
                    var started = await StartAsync(connection, spec, runId, description, cancel.Token);
                    return detach ? 0 : await WatchAsync(connection, started, cancel.Token);
                }
                case "watch":
                    return await WatchAsync(connection, RunId(arguments), cancel.Token);
                case "get":
                    Console.WriteLine(new JsonFormatter(JsonFormatter.Settings.Default.WithIndentation()).Format(
                        (await client.GetRunAsync(new GetRunRequest { RunId = RunId(arguments) }, headers, cancellationToken: cancel.Token)).Run));
                    return 0;
                case "cancel":
                    var cancelled = await client.CancelRunAsync(new CancelRunRequest { RunId = RunId(arguments) }, headers,
                        cancellationToken: cancel.Token);
                    Console.WriteLine($"run {cancelled.Run.RunId}: {cancelled.Run.State}");
                    return 0;
                default:
                    string[] headings = ["run", "state", "stages", "created (UTC)", "name"];
                    var runs = (await client.ListRunsAsync(new ListRunsRequest(), headers, cancellationToken: cancel.Token)).Runs;
                    var rows = runs.Select(r => (IReadOnlyList<string>)
                        [r.RunId, State(r.State), $"{r.Stages.Count}", $"{r.CreatedAt?.ToDateTime():yyyy-MM-dd HH:mm:ss}",
                            r.Spec?.Name ?? ""]).ToList();
                    if (!Console.IsOutputRedirected)
                        TerminalTables.Write(AnsiConsole.Console, Console.Out, TerminalTables.Markdown(headings, rows), terminal: true);
                    else
                        foreach (var row in rows.Prepend(headings))
                            Console.WriteLine($"{row[0],-36} {row[1],-10} {row[2],6}  {row[3],-19}  {row[4]}");
                    return 0;
            }
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"{address}: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
    }

    /// <summary>Starts a run of <paramref name="spec"/> (under <paramref name="runId"/>, or a new id when empty) and returns its id.</summary>
    public static async Task<string> StartAsync(OrchestratorConnection connection, RunSpec spec, string runId, string description,
        CancellationToken cancellation)
    {
        var request = new StartRunRequest { Spec = spec, RunId = runId };
        var started = await connection.Client.StartRunAsync(request, connection.Headers, cancellationToken: cancellation);
        Console.WriteLine($"run {started.Run.RunId} started on {connection.Address} ({description})");
        return started.Run.RunId;
    }

    private static string RunId(Arguments arguments) => arguments.Positional ?? throw new UsageException("give the run's id.");

    public static string State(RunState state) => state.ToString().ToLowerInvariant();

    /// <summary>
    /// Prints the run's table as its stages commit, with the running stage's progress on a terminal, until the run ends;
    /// 0 when it succeeded. Committed stages print once: a watch reopened after an orchestrator restart streams them again first.
    /// </summary>
    public static Task<int> WatchAsync(OrchestratorConnection connection, string runId, CancellationToken cancellation) =>
        StageProgressDisplay.RunAsync(AnsiConsole.Console, terminal: !Console.IsOutputRedirected,
            display => WatchAsync(connection, runId, display, cancellation));

    private static async Task<int> WatchAsync(OrchestratorConnection connection, string runId, StageProgressDisplay display,
        CancellationToken cancellation)
    {
        var table = new RunTable(display.Output);
        var printed = new HashSet<string>(StringComparer.Ordinal);
        table.WriteHeader();
        return await connection.Reconnect.CallAsync(async progress =>
        {
            using var call = connection.Client.WatchRun(new WatchRunRequest { RunId = runId }, connection.Headers, cancellationToken: cancellation);
            await foreach (var runEvent in call.ResponseStream.ReadAllAsync(cancellation))
            {
                progress();
                switch (runEvent.EventCase)
                {
                    case RunEvent.EventOneofCase.StageProgress:
                        display.Show(runEvent.StageProgress);
                        break;
                    case RunEvent.EventOneofCase.StageCommitted when printed.Add(runEvent.StageCommitted.Name):
                        display.Done(runEvent.StageCommitted.Name);
                        table.Commit(runEvent.StageCommitted);
                        break;
                    case RunEvent.EventOneofCase.Finished:
                        var run = runEvent.Finished;
                        display.Output.WriteLine($"run {run.RunId}: {State(run.State)}{(run.Error.Length > 0 ? $" ({run.Error})" : "")}; " +
                                          $"{run.Stages.Count} stages committed ({run.Stages.Count(s => s.ReusedFrom is not null)} reused) in " +
                                          $"{run.Attempts} attempt(s), {run.Stages.Sum(s => s.Seconds):F0}s of stage time; results in blob storage " +
                                          $"under runs/{run.RunId}/");
                        return run.State == RunState.Succeeded ? 0 : 1;
                }
            }
            throw new RpcException(new Status(StatusCode.Unavailable, $"the watch of {runId} ended before the run did"));
        }, cancellation);
    }
}
