using System.Globalization;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Cli;

/// <summary>The per-round table of a run, one row when each group of stages (SFT, initialisation, each round) is evaluated.</summary>
public sealed class RunTable(TextWriter output)
{
    private readonly List<StageRecord> group = [];

    public void WriteHeader() => output.WriteLine(StageTable.Header);

    public void Commit(StageRecord stage)
    {
        if (WroteSetupLine(stage))
            return;
        group.Add(stage);
        if (!StageNames.IsEvaluation(stage.Name))
            return;
        var train = group.FirstOrDefault(s => s.Checkpoint is not null && s.Metrics.ContainsKey(StageMetrics.Steps));
        var sample = group.FirstOrDefault(s => StageNames.IsSample(s.Name));
        var filter = group.FirstOrDefault(s => StageNames.IsFilter(s.Name));
        WriteRow(stage, train, sample, filter);
        WriteDetails(stage, train, filter);
        group.Clear();
    }

    // The stages before the first evaluation and the report get a line of their own instead of a row.
    private bool WroteSetupLine(StageRecord stage)
    {
        if (stage.Name == StageNames.Prepare)
        {
            // The files and model the run uses, by reference.
            var files = stage.Files.Select(f => $"{f.Key} {f.Value.Container}/{f.Value.Name}");
            output.WriteLine($"prepare: {(stage.Checkpoint is { } model ? $"base model {model.Container}/{model.Prefix}; " : "")}" +
                             $"{string.Join(", ", files)} ({stage.Seconds:F0}s){Reused(stage)}");
            return true;
        }
        if (stage.Name == StageNames.Initialise)
        {
            var weights = stage.Checkpoint;
            output.WriteLine($"initialise: base model weights {weights.Container}/{weights.Prefix} ({stage.Seconds:F0}s){Reused(stage)}");
            return true;
        }
        if (stage.Name == StageNames.Report)
        {
            var reports = stage.Files.Values.Select(f => f.Name).Where(n => n.EndsWith(".md", StringComparison.Ordinal));
            output.WriteLine($"report: {string.Join(", ", reports)} (onlyprompt report RUN prints it and saves its pictures)");
            return true;
        }
        return false;
    }

    private void WriteRow(StageRecord stage, StageRecord? train, StageRecord? sample, StageRecord? filter)
    {
        var evaluation = stage.Evaluation;
        var label = stage.Round > 0 ? $"round {stage.Round}" : stage.Name.Split('/')[0];
        string Removed(string rule) => filter is null ? "-" : filter.Removed.GetValueOrDefault(rule).ToString(CultureInfo.InvariantCulture);
        output.WriteLine(
            $"{label,-9} {(sample is null ? "-" : Number(sample.Metrics, StageMetrics.RejectedScore)),3}  " +
            $"{(sample is null ? "-" : Number(sample.Metrics, StageMetrics.Pairs)),5}  " +
            $"{(filter is null ? "-" : Number(filter.Metrics, StageMetrics.Kept)),4}  " +
            $"{Removed("LeakedRequest"),4}  {Removed("CutOff"),3}  {Removed("Identical"),4}  {Removed("Empty"),5}  " +
            $"{Metric(train, "loss", "F4"),-7}  {Metric(train, "rewards/margins", "F3"),-7}  " +
            $"{evaluation.MeanQuality:F3} ± {evaluation.StandardError:F3}  " +
            $"{evaluation.LeakRate,5:P0}  {group.Sum(s => s.Seconds),5:F0}s");
    }

    // The lines under a row: win rates, rewards, reused stages, warnings, calibration, the prefix gap and the probes.
    private void WriteDetails(StageRecord stage, StageRecord? train, StageRecord? filter)
    {
        var evaluation = stage.Evaluation;
        if (stage.Metrics.ContainsKey("win_rate/sft"))
            output.WriteLine($"  over the SFT model: win rate {Metric(stage, "win_rate/sft", "F1")}%, " +
                             $"length-controlled {Metric(stage, "lc_win_rate/sft", "F1")}% " +
                             $"[{Metric(stage, "lc_win_rate/sft/low", "F1")}, {Metric(stage, "lc_win_rate/sft/high", "F1")}]; " +
                             $"over the previous model: LC {Metric(stage, "lc_win_rate/previous", "F1")}%");
        if (filter?.Metrics.ContainsKey("pairs/chosen_reward") == true)
            output.WriteLine($"  kept pairs by the reward model: chosen {Metric(filter, "pairs/chosen_reward", "F3")}, " +
                             $"rejected {Metric(filter, "pairs/rejected_reward", "F3")}, " +
                             $"chosen scored higher in {100 * filter.Metrics["pairs/chosen_reward_better"]:F0}% of pairs");
        foreach (var reused in group.Where(s => s.ReusedFrom is not null))
            output.WriteLine($"  {reused.Name}{Reused(reused)}");
        if (evaluation.CalibrationWarning.Length > 0)
            output.WriteLine("  warning: " + evaluation.CalibrationWarning);
        if (evaluation.Calibration.Count > 0)
            output.WriteLine("  quality by requested score 0..10: "
                + string.Join(" ", evaluation.Calibration.Select(q => q.ToString("F2", CultureInfo.InvariantCulture))));
        if (evaluation.PrefixGap is { } gap)
        {
            static string Signed(double value) => value.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
            output.WriteLine($"  prefix gap (10/10 prefix - plain): {Signed(gap.Mean)} [{Signed(gap.Low)}, {Signed(gap.High)}]");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  held-out quality asked for 10 / 10 with the chosen prefix: {evaluation.PrefixedQuality:F3}"));
        }
        if (train?.Metrics.ContainsKey(LikelihoodMetrics.Before(LikelihoodMetrics.ChosenPlain)) == true)
            output.WriteLine(Likelihoods(train));
        if (filter?.Metrics.ContainsKey("pairs/sampled/chosen_quality") == true)
            output.WriteLine("  true quality of the round's answers, chosen / rejected: " +
                             $"all pairs {Metric(filter, "pairs/sampled/chosen_quality", "F3")} / " +
                             $"{Metric(filter, "pairs/sampled/rejected_quality", "F3")}, " +
                             $"kept pairs {Metric(filter, "pairs/chosen_quality", "F3")} / {Metric(filter, "pairs/rejected_quality", "F3")}");
        if (evaluation.PrefixGapWarning.Length > 0)
            output.WriteLine("  warning: " + evaluation.PrefixGapWarning);
        if (stage.Metrics.ContainsKey(StageMetrics.WorseThanReference))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  worse than its reference: score difference {stage.Metrics["score_difference/previous"]:+0.000;-0.000} ") +
                $"[{Metric(stage, "score_difference/previous/low", "F3")}, {Metric(stage, "score_difference/previous/high", "F3")}]; " +
                (stage.Metrics[StageMetrics.Adopted] == 0 ? "the next round starts from the reference (keep_better_model)."
                    : "kept as the next round's policy (--keep-better-model reverts such rounds)."));
    }

    // What the round's pass did to the likelihood of its own kept pairs (its likelihood probe).
    private static string Likelihoods(StageRecord train)
    {
        string Shift(string reading) =>
            $"{Metric(train, LikelihoodMetrics.Before(reading), "F3")} -> {Metric(train, LikelihoodMetrics.After(reading), "F3")}";
        string Fell(string reading) => (100 * train.Metrics[LikelihoodMetrics.Fell(reading)]).ToString("F0", CultureInfo.InvariantCulture);
        var (chosen, chosenPrefixed) = (LikelihoodMetrics.ChosenPlain, LikelihoodMetrics.ChosenPrefixed);
        return $"  log-prob per token, before -> after: chosen plain {Shift(chosen)}, chosen prefixed {Shift(chosenPrefixed)}, " +
               $"rejected plain {Shift(LikelihoodMetrics.RejectedPlain)}, rejected prefixed {Shift(LikelihoodMetrics.RejectedPrefixed)}; " +
               $"chosen fell in {Fell(chosen)}% plain, {Fell(chosenPrefixed)}% prefixed; nll_loss {Metric(train, "nll_loss", "F3")}";
    }

    private static string Reused(StageRecord stage) =>
        stage.ReusedFrom is { } from ? $": reused from run {from.RunId} ({from.Stage}), the same stage computed once" : "";

    private static string Number(IDictionary<string, double> metrics, string name) =>
        metrics.TryGetValue(name, out var value) ? value.ToString("0", CultureInfo.InvariantCulture) : "-";

    private static string Metric(StageRecord? stage, string name, string format) =>
        stage is not null && stage.Metrics.TryGetValue(name, out var value) ? value.ToString(format, CultureInfo.InvariantCulture) : "-";
}
