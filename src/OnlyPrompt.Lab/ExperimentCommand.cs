using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using OnlyPrompt.Cli;
using OnlyPrompt.Lab.Hosting;
using OnlyPrompt.Storage;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Lab;

/// <summary>
/// <c>onlyprompt-lab experiment</c>: a preset of the default experiment through the services hosted in this process
/// (<see cref="LocalStack"/>, no AppHost), with the study probes on: each round's likelihood probe and the prefixed
/// quality after every stage. The run is the Orchestrator's, stage for stage; storage persists in <c>--storage</c>, so
/// runs that share stages (a study's variants of one seed share SFT and the initialisation) compute them once.
/// </summary>
public static class ExperimentCommand
{
    public static Command Create()
    {
        var experiment = new Command("experiment", "a preset through the services hosted in this process (no AppHost), with the study probes");
        CliCommands.Add(experiment, CliCommands.PresetOptions(), CliCommands.RoundOptions(), CliCommands.RunFlags(),
        [
            CliCommands.Text("--out", "where the report is saved (default .onlyprompt/experiments/RUN)", "DIR"),
            CliCommands.Text("--storage", "the stack's blob storage and work folders, kept between runs (default .onlyprompt/lab)", "DIR"),
            CliCommands.Text("--id", "the run's id (default PRESET-seedN-TIME)", "RUN"),
            CliCommands.Text("--threads", "libtorch's threads", "N"),
            CliCommands.Text("--device", "cpu, cuda or cuda:N", "DEVICE"),
            CliCommands.Text("--inference-precision",
                "sampling's and evaluation's dtype: auto (bf16 where the device computes it natively), fp32, bf16",
                "PRECISION"),
            CliCommands.Text("--training-precision",
                "training's precision: auto (mixed, bf16 with fp32 masters, where the device computes bf16 natively), fp32, mixed",
                "PRECISION"),
            CliCommands.Text("--model-dim", "the tiny model's width", "N"),
            CliCommands.Text("--model-layers", "the tiny model's layers", "N"),
            CliCommands.Text("--sft-epochs", "SFT epochs", "N"),
            CliCommands.Text("--round-prompts", "prompts of each round's own set", "N"),
            CliCommands.Text("--families", "the world's task families (default sort, alphabetize, dedupe)", "sort,max,..."),
            CliCommands.Text("--round-reference", "previous (the method), or initial: pi_0 as every round's reference (a study option)", "REFERENCE"),
            CliCommands.Flag("--no-probes", "leave the study probes off: the run exactly as onlyprompt run --preset makes it"),
        ]);
        CliCommands.SetAction(experiment, RunAsync);
        return experiment;
    }

    public static async Task<int> RunAsync(Arguments arguments)
    {
        var options = Options(arguments);
        var runId = arguments.Text("--id") ?? $"{options.PresetName}-seed{options.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        var output = arguments.Text("--out") ?? Path.Combine(".onlyprompt", "experiments", runId);
        var storage = Path.GetFullPath(arguments.Text("--storage") ?? Path.Combine(".onlyprompt", "lab"));
        var spec = RunSpecs.FromExperiment(options);
        spec.LikelihoodProbe = spec.Evaluation.PrefixGapEveryStage = !arguments.Flag("--no-probes");
        RunCommands.ReadFlags(arguments)(spec);

        Console.WriteLine($"OnlyPrompt experiment: preset {options.PresetName}, seed {options.Seed}, {options.Rounds} rounds, " +
                          $"rejected scores {string.Join(", ", options.RejectedScores)}; storage in {storage}");
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var stack = await LocalStack.StartAsync(LocalStack.FindRepository(), Path.Combine(storage, "azurite"),
            Path.Combine(storage, "work"), WorkerSettings(arguments));
        using var connection = new OrchestratorConnection(stack.Orchestrator.ToString(), apiKey: null, stack.BlobConnectionString,
            reconnectSeconds: 0);
        try
        {
            spec.Given = await WorldUpload.PrepareAsync(options, connection.Store(), StorageLayout.DefaultContainer, Console.Out, cancel.Token);
            await RunCommands.StartAsync(connection, spec, runId, $"{options.PresetName}, seed {options.Seed}, in this process", cancel.Token);
            var exit = await RunCommands.WatchAsync(connection, runId, cancel.Token);
            if (exit == 0 && await ReportCommand.SaveAsync(connection, runId, output) is { } report)
                Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F0}s; report: {Path.GetFullPath(report)}");
            return exit;
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"{connection.Address}: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
    }

    // The preset with this command's world, model and round options.
    private static ExperimentOptions Options(Arguments arguments)
    {
        var options = ExperimentOptions.Preset(arguments.Text("--preset") ?? "default", arguments.Integer("--seed") ?? 1);
        options = options with
        {
            Model = options.Model with
            {
                Dim = arguments.Integer("--model-dim") ?? options.Model.Dim,
                Layers = arguments.Integer("--model-layers") ?? options.Model.Layers,
            },
            Sft = options.Sft with { Epochs = arguments.Integer("--sft-epochs") ?? options.Sft.Epochs },
            World = options.World with
            {
                RoundPrompts = arguments.Integer("--round-prompts") ?? options.World.RoundPrompts,
                Families = arguments.List("--families", Family) ?? options.World.Families,
            },
            RoundReference = arguments.Text("--round-reference") switch
            {
                null or "previous" => RoundReference.PreviousRound,
                "initial" => RoundReference.Initial,
                var other => throw new UsageException($"--round-reference: '{other}' is not one of previous, initial."),
            },
        };
        return RunOptions.Apply(arguments, options);
    }

    private static string[] WorkerSettings(Arguments arguments) =>
    [
        "--OnlyPrompt:Device", arguments.Text("--device") ?? "cpu",
        "--OnlyPrompt:InferencePrecision", arguments.Text("--inference-precision") ?? "auto",
        "--OnlyPrompt:TrainingPrecision", arguments.Text("--training-precision") ?? "auto",
        .. arguments.Integer("--threads") is { } threads ? new[] { "--OnlyPrompt:Threads", threads.ToString(CultureInfo.InvariantCulture) } : [],
    ];

    private static TaskFamily Family(string name) =>
        Enum.TryParse<TaskFamily>(name, ignoreCase: true, out var family) && Enum.IsDefined(family) ? family
            : throw new UsageException($"--families: '{name}' is not a task family; use " +
                $"{string.Join(", ", Enum.GetNames<TaskFamily>().Select(n => n.ToLowerInvariant()))}.");
}
