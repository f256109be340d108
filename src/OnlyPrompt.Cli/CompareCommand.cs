using System.Globalization;
using Grpc.Core;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;
using OnlyPrompt.Worlds;

using AnsiConsole = Spectre.Console.AnsiConsole;

namespace OnlyPrompt.Cli;

/// <summary>
/// <c>onlyprompt compare</c>: runs the method and every baseline and ablation over several seeds through the
/// orchestrator (reusing runs that already succeeded, so a re-run costs nothing), then prints the paper's tables.
/// </summary>
public static class CompareCommand
{
    public static async Task<int> RunAsync(Arguments arguments)
    {
        using var connection = new OrchestratorConnection(arguments);
        var preset = arguments.Text("--preset") ?? "default";
        var seeds = arguments.List("--seeds", s => int.Parse(s, CultureInfo.InvariantCulture)) ?? [1, 2, 3];
        var kinds = arguments.List("--kinds", kind => RunOptions.CheckKind("--kinds", kind)) ?? [.. RunKinds.All];
        var output = arguments.Text("--out") ?? Path.Combine(".onlyprompt", $"compare-{preset}.md");
        var options = seeds.ToDictionary(seed => seed, seed => RunOptions.Apply(arguments, ExperimentOptions.Preset(preset, seed)));
        var applyFlags = RunCommands.ReadFlags(arguments);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

        try
        {
            var ids = new Dictionary<(int Seed, string Kind), string>();
            foreach (var seed in seeds)
            {
                var method = RunSpecs.FromExperiment(options[seed]);
                method.Given = await WorldUpload.PrepareAsync(options[seed], connection.Store(), StorageLayout.DefaultContainer,
                    Console.Out, cancel.Token);
                foreach (var kind in kinds)
                {
                    var spec = RunKinds.Apply(method, kind);
                    applyFlags(spec);
                    ids[(seed, kind)] = await StartOrReuseAsync(connection, $"cmp-{preset}-s{seed}-{kind}", spec, cancel.Token);
                }
            }
            var runs = new Dictionary<(int Seed, string Kind), Run>();
            foreach (var (key, id) in ids)
            {
                var run = await FinishedAsync(connection, id, cancel.Token);
                Console.WriteLine($"{id}: {RunCommands.State(run.State)}{(run.Error.Length > 0 ? $" ({run.Error})" : "")}, " +
                    $"{run.Stages.Sum(s => s.Seconds):F0}s of stage time");
                if (run.State == RunState.Succeeded)
                    runs[key] = run;
            }
            if (runs.Count == 0)
                return 1;
            var tables = await new ComparisonTables(connection.Store(), runs).WriteAsync(cancel.Token);
            Console.WriteLine();
            TerminalTables.Write(AnsiConsole.Console, Console.Out, tables, terminal: !Console.IsOutputRedirected);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            await File.WriteAllTextAsync(output, $"# OnlyPrompt comparison: preset {preset}\n\n{tables}", cancel.Token);
            Console.WriteLine($"written to {Path.GetFullPath(output)}");
            return runs.Count == ids.Count ? 0 : 1;
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"{connection.Address}: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
    }

    private static async Task<string> StartOrReuseAsync(OrchestratorConnection connection, string id, RunSpec spec, CancellationToken cancellation)
    {
        try
        {
            var existing = (await connection.Reconnect.CallAsync(() =>
                connection.Client.GetRunAsync(new GetRunRequest { RunId = id }, connection.Headers,
                    cancellationToken: cancellation).ResponseAsync, cancellation)).Run;
            if (!existing.Spec.Equals(spec))
                throw new UsageException($"run {id} exists with a different spec; pass other --seeds/options or remove it from storage.");
            if (existing.State is RunState.Succeeded or RunState.Running or RunState.Pending)
            {
                Console.WriteLine($"{id}: {RunCommands.State(existing.State)}, reused");
                return id;
            }
            throw new UsageException($"run {id} ended {RunCommands.State(existing.State)}: {existing.Error}; remove it from storage to " +
                "run it again.");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            await connection.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = id }, connection.Headers,
                cancellationToken: cancellation);
            Console.WriteLine($"{id}: started");
            return id;
        }
    }

    // A watch cut by an orchestrator restart is opened again; the restarted orchestrator resumes the run.
    private static Task<Run> FinishedAsync(OrchestratorConnection connection, string id, CancellationToken cancellation) =>
        connection.Reconnect.CallAsync(async progress =>
        {
            using var watch = connection.Client.WatchRun(new WatchRunRequest { RunId = id }, connection.Headers, cancellationToken: cancellation);
            await foreach (var runEvent in watch.ResponseStream.ReadAllAsync(cancellation))
            {
                progress();
                if (runEvent.EventCase == RunEvent.EventOneofCase.Finished)
                    return runEvent.Finished;
            }
            throw new RpcException(new Status(StatusCode.Unavailable, $"the watch of {id} ended before the run did."));
        }, cancellation);
}
