using System.CommandLine;
using OnlyPrompt.Cli;
using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Lab;

/// <summary><c>onlyprompt-lab experiment</c>: the default experiment in this process (no services), with each round's likelihood probe.</summary>
public static class ExperimentCommand
{
    public static Command Create()
    {
        var experiment = new Command("experiment", "the default experiment in this process, with each round's likelihood probe (no services)");
        CliCommands.Add(experiment, CliCommands.PresetOptions(), CliCommands.RoundOptions(),
        [
            CliCommands.Text("--out", "the output folder (default .onlyprompt/experiments/...)", "DIR"),
            CliCommands.Text("--threads", "libtorch's threads", "N"),
            CliCommands.Text("--device", "cpu, cuda or cuda:N", "DEVICE"),
            CliCommands.Text("--from-sft", "start from this SFT checkpoint instead of training one", "DIR"),
            CliCommands.Text("--model-dim", "the tiny model's width", "N"),
            CliCommands.Text("--model-layers", "the tiny model's layers", "N"),
            CliCommands.Text("--sft-epochs", "SFT epochs", "N"),
            CliCommands.Text("--round-prompts", "prompts of each round's own set", "N"),
            CliCommands.Text("--families", "the world's task families (default sort, alphabetize, dedupe)", "sort,max,..."),
            CliCommands.Text("--round-reference", "previous (the method), or initial: pi_0 as every round's reference (a study option)", "REFERENCE"),
        ]);
        CliCommands.SetAction(experiment, arguments => Task.FromResult(Run(arguments)));
        return experiment;
    }

    public static int Run(Arguments arguments)
    {
        var preset = arguments.Text("--preset") ?? "default";
        var seed = arguments.Integer("--seed") ?? 1;
        var output = arguments.Text("--out") ?? Path.Combine(".onlyprompt", "experiments", $"{preset}-seed{seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        var options = ExperimentOptions.Preset(preset, seed) with
        {
            Device = arguments.Text("--device") ?? "cpu",
            Threads = arguments.Integer("--threads"),
            StartFromSft = arguments.Text("--from-sft") is { } sft ? Path.GetFullPath(sft) : null,
        };
        options = options with
        {
            Model = options.Model with { Dim = arguments.Integer("--model-dim") ?? options.Model.Dim, Layers = arguments.Integer("--model-layers") ?? options.Model.Layers },
            Sft = options.Sft with { Epochs = arguments.Integer("--sft-epochs") ?? options.Sft.Epochs },
            World = options.World with
            {
                RoundPrompts = arguments.Integer("--round-prompts") ?? options.World.RoundPrompts,
                Families = arguments.List("--families", Family) ?? options.World.Families,
            },
        };
        options = RunOptions.Apply(arguments, options) with
        {
            RoundReference = arguments.Text("--round-reference") switch
            {
                null or "previous" => RoundReference.PreviousRound,
                "initial" => RoundReference.Initial,
                var other => throw new UsageException($"--round-reference: '{other}' is not one of previous, initial."),
            },
        };

        Console.WriteLine($"OnlyPrompt experiment: preset {preset}, seed {seed}, {options.Rounds} rounds, rejected scores {string.Join(", ", options.RejectedScores)}; output in {Path.GetFullPath(output)}");
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = new ExperimentRunner(options, output, Console.WriteLine).Run(cancel.Token);
        Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F0}s; {result.LeakedSftExamples} seed examples leaked meta-text; report: {Path.Combine(Path.GetFullPath(output), "report.json")}");
        return 0;
    }

    private static TaskFamily Family(string name) =>
        Enum.TryParse<TaskFamily>(name, ignoreCase: true, out var family) && Enum.IsDefined(family) ? family
            : throw new UsageException($"--families: '{name}' is not a task family; use {string.Join(", ", Enum.GetNames<TaskFamily>().Select(n => n.ToLowerInvariant()))}.");
}
