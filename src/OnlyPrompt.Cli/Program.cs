using System.Globalization;
using OnlyPrompt.Experiment.Running;

if (OnlyPrompt.Model.GlibcMallocTuning.RerunWithSettingsIfNeeded(args) is { } exitCode)
    return exitCode;

// onlyprompt experiment [--preset default|smoke] [--seed N] [--out DIR] [--threads N] [--device cpu|cuda] [--from-sft DIR]
if (args.Length == 0 || args[0] != "experiment")
{
    Console.Error.WriteLine("usage: onlyprompt experiment [--preset default|smoke] [--seed N] [--out DIR] [--threads N] [--device cpu|cuda] [--from-sft DIR]");
    return 2;
}
string preset = "default", output = "", device = "cpu";
string? fromSft = null;
int seed = 1;
int? threads = null;
for (var i = 1; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--preset": preset = Value(); break;
        case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--out": output = Value(); break;
        case "--threads": threads = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--device": device = Value(); break;
        case "--from-sft": fromSft = Path.GetFullPath(Value()); break;
        default:
            Console.Error.WriteLine($"unknown option '{args[i]}'.");
            return 2;
    }
}
if (output.Length == 0)
    output = Path.Combine(".onlyprompt", "experiments", $"{preset}-seed{seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");

var options = ExperimentOptions.Preset(preset, seed) with { Device = device, Threads = threads, StartFromSft = fromSft };
Console.WriteLine($"OnlyPrompt experiment: preset {preset}, seed {seed}, {options.Rounds} rounds, rejected scores {string.Join(", ", options.RejectedScores)}; output in {Path.GetFullPath(output)}");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var clock = System.Diagnostics.Stopwatch.StartNew();
var result = new ExperimentRunner(options, output, Console.WriteLine).Run(cancel.Token);
Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F0}s; {result.LeakedSftExamples} seed examples leaked meta-text; report: {Path.Combine(Path.GetFullPath(output), "report.json")}");
return 0;
