using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Experiment.World;

namespace OnlyPrompt.Cli;

/// <summary><c>onlyprompt experiment</c>: the default experiment in this process (no services).</summary>
public static class ExperimentCommand
{
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
