using System.Globalization;
using System.Text;
using System.Text.Json;
using OnlyPrompt.Services;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Orchestrator.Reporting;

/// <summary>One logged optimizer step of a training stage and its metrics (loss, rewards/*, ...).</summary>
public sealed record TrainingPoint(long Step, Dictionary<string, double> Metrics);

/// <summary>
/// A run's report: a Markdown page (runs/{run}/report/report.md) with its tables and PNG plots beside it: quality and
/// win rates per stage, the calibration curve after each stage, filter counts and training curves per round.
/// </summary>
public sealed class RunReport(BlobStore store)
{
    public const string MarkdownFile = "report.md";
    public const string TrainingCurveFile = "training";
    private static readonly string[] FilterRules = Enum.GetNames<Method.Filtering.FilterRule>();

    public async Task<StageRecord> WriteAsync(Run run, string container, CancellationToken cancellation)
    {
        var evaluated = run.Stages.Where(s => s.Evaluation is not null).ToList();
        var labels = evaluated.Select(s => StageNames.Evaluated(s.Name)).ToList();
        var pictures = new Dictionary<string, ScottPlot.Plot>
        {
            ["quality.png"] = Charts.Lines("Held-out quality", "stage", "quality",
                [Series(ScorerName(run), evaluated.Select(s => s.Evaluation.MeanQuality))], labels),
            ["win-rates.png"] = Charts.Lines("Win rates over the SFT model", "stage", "percent",
                [
                    Series("win rate", evaluated.Select(s => Metric(s, "win_rate/sft"))),
                    Series("LC win rate", evaluated.Select(s => Metric(s, "lc_win_rate/sft"))),
                ], labels),
            // The paper's Figure 3: mean score by requested score, one line per evaluated stage.
            ["calibration.png"] = Charts.Lines("Quality by requested score", "requested score", "quality",
                evaluated.Where(s => s.Evaluation.Calibration.Count > 0).Select(s => new Series(StageNames.Evaluated(s.Name),
                    s.Evaluation.Calibration.Select((q, score) => ((double)score, q)).ToList())).ToList()),
        };
        var filters = run.Stages.Where(s => StageNames.IsFilter(s.Name)).ToList();
        if (filters.Count > 0)
            pictures["filter.png"] = Charts.GroupedBars("Pairs kept and removed per rule", "", "pairs", ["kept", .. FilterRules],
                filters.Select(f => new Series($"round {f.Round}", new[] { Metric(f, StageMetrics.Kept) }
                    .Concat(FilterRules.Select(r => (double)f.Removed.GetValueOrDefault(r))).Select((v, i) => ((double)i, v)).ToList())).ToList());
        // The paper's Figure 4: the kept chosen and rejected answers' scores, round by round, by a reward model where the run
        // has one and else by the true answers the rounds never see.
        var reward = filters.Any(f => f.Metrics.ContainsKey("pairs/chosen_reward"));
        var (chosenKey, rejectedKey) = reward ? ("pairs/chosen_reward", "pairs/rejected_reward") : ("pairs/chosen_quality", "pairs/rejected_quality");
        var scoredPairs = filters.Where(f => f.Metrics.ContainsKey(chosenKey)).ToList();
        if (scoredPairs.Count > 0)
            pictures["pairs.png"] = Charts.GroupedBars("Scores of the kept chosen and rejected answers", "round", reward ? "reward" : "quality",
                scoredPairs.Select(f => f.Round.ToString(CultureInfo.InvariantCulture)).ToList(),
                [new Series("chosen", scoredPairs.Select((f, i) => ((double)i, f.Metrics[chosenKey])).ToList()),
                 new Series("rejected", scoredPairs.Select((f, i) => ((double)i, f.Metrics[rejectedKey])).ToList())]);
        var curves = await Task.WhenAll(run.Stages.Where(s => s.Files.ContainsKey(TrainingCurveFile)).Select(async stage =>
        {
            await using var stream = await store.OpenVerifiedReadAsync(stage.Files[TrainingCurveFile].ToStored(), cancellation);
            var points = await JsonSerializer.DeserializeAsync<List<TrainingPoint>>(stream, cancellationToken: cancellation) ?? [];
            return new Series(stage.Name, points.Where(p => p.Metrics.ContainsKey("loss")).Select(p => ((double)p.Step, p.Metrics["loss"])).ToList());
        }));
        if (curves.Length > 0)
            pictures["training.png"] = Charts.Lines("Training loss by step", "step", "loss", curves);

        var record = new StageRecord();
        var folder = StorageLayout.RunFile(run.RunId, "report");
        var uploads = await Task.WhenAll(pictures.Select(async picture =>
            (picture.Key, Blob: await store.UploadBytesAsync(container, $"{folder}/{picture.Key}", Charts.Png(picture.Value), cancellation))));
        foreach (var (name, blob) in uploads)
            record.Files[name] = blob.ToContract();
        var markdown = Markdown(run, evaluated, filters, pictures.Keys);
        record.Files[MarkdownFile] = (await store.UploadTextAsync(container, $"{folder}/{MarkdownFile}", markdown, cancellation)).ToContract();
        return record;
    }

    private static string Markdown(Run run, List<StageRecord> evaluated, List<StageRecord> filters, IEnumerable<string> pictures)
    {
        var text = new StringBuilder();
        AppendHeader(text, run);
        AppendHeldOut(text, run, evaluated);
        AppendCalibration(text, evaluated);
        if (filters.Count > 0)
            AppendRounds(text, run, filters);
        text.AppendLine();
        text.AppendLine("## Pictures");
        text.AppendLine();
        foreach (var picture in pictures)
            text.AppendLine($"![{Path.GetFileNameWithoutExtension(picture)}]({picture})");
        return text.ToString();
    }

    private static void AppendHeader(StringBuilder text, Run run)
    {
        var prefix = run.Spec.Evaluation.InferencePrefix;
        text.AppendLine($"# Run {run.RunId}: {run.Spec.Name}");
        text.AppendLine();
        text.AppendLine($"Seed {run.Spec.Seed}; {run.Spec.Rounds.Count} rounds; {run.Stages.Count} stages committed in {run.Attempts} attempt(s), " +
            $"{run.Stages.Sum(s => s.Seconds):F0}s of stage time." +
            (prefix.Length > 0 ? $" Evaluated with the prefix \"{prefix}\" before each instruction." : ""));
        var reused = run.Stages.Where(s => s.ReusedFrom is not null).ToList();
        if (reused.Count > 0)
            text.AppendLine("\nReused, not computed again (a committed stage of another run had the same key): " +
                $"{string.Join(", ", reused.Select(s => $"{s.Name} from run {s.ReusedFrom.RunId}"))}.");
    }

    private static void AppendHeldOut(StringBuilder text, Run run, List<StageRecord> evaluated)
    {
        text.AppendLine();
        text.AppendLine("## Held-out evaluation");
        text.AppendLine();
        text.AppendLine($"Greedy answers to the held-out prompts, scored by the {ScorerName(run)} (the run's primary scorer; the quality column is " +
            "its score). Win rates are over the SFT model's answers to the same prompts (higher quality wins, equal ties); LC is the " +
            "length-controlled win rate with its 95% bootstrap interval.");
        text.AppendLine();
        text.AppendLine("| stage | quality | win rate % | LC win rate % | LC vs previous % | words | leak rate | reward |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in evaluated)
        {
            var lengthControlled = s.Metrics.ContainsKey("lc_win_rate/sft")
                ? $"{Format(s, "lc_win_rate/sft")} [{Format(s, "lc_win_rate/sft/low")}, {Format(s, "lc_win_rate/sft/high")}]"
                : "-";
            var reward = s.Evaluation.Reward is { } r ? $"{r.Mean:F3} [{r.Low:F3}, {r.High:F3}]" : "-";
            text.AppendLine($"| {s.Name} | {s.Evaluation.MeanQuality:F3} ± {s.Evaluation.StandardError:F3} | {Format(s, "win_rate/sft")} | " +
                $"{lengthControlled} | {Format(s, "lc_win_rate/previous")} | {s.Evaluation.MeanWords:F1} | {s.Evaluation.LeakRate:P1} | {reward} |");
        }
    }

    private static void AppendCalibration(StringBuilder text, List<StageRecord> evaluated)
    {
        text.AppendLine();
        text.AppendLine("## Quality by requested score (calibration probe)");
        text.AppendLine();
        text.AppendLine("| stage | " + string.Join(" | ", Enumerable.Range(0, 11)) + " |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", 11)));
        foreach (var s in evaluated.Where(s => s.Evaluation.Calibration.Count > 0))
            text.AppendLine($"| {s.Name} | " + string.Join(" | ",
                s.Evaluation.Calibration.Select(q => q.ToString("F2", CultureInfo.InvariantCulture))) + " |");
        foreach (var s in evaluated.Where(s => s.Evaluation.CalibrationWarning.Length > 0))
            text.AppendLine($"\n**Warning ({s.Name})**: {s.Evaluation.CalibrationWarning}");
    }

    private static void AppendRounds(StringBuilder text, Run run, List<StageRecord> filters)
    {
        text.AppendLine();
        text.AppendLine("## Rounds");
        text.AppendLine();
        text.AppendLine("Chosen/rejected quality: the kept pairs scored afterwards against true answers the rounds never see (default world " +
            "only); better/worse: share of pairs whose chosen answer is better/worse than the rejected one.");
        text.AppendLine();
        text.AppendLine("| round | labeller | pairs | kept | " + string.Join(" | ", FilterRules)
            + " | chosen quality | rejected quality | better | worse | loss | rewards/margins | rewards/accuracies |");
        text.AppendLine("|---|---|---|---|" + string.Concat(Enumerable.Repeat("---|", FilterRules.Length + 7)));
        foreach (var f in filters)
        {
            var sample = run.Stages.FirstOrDefault(s => s.Name == StageNames.Sample(f.Round));
            var train = run.Stages.FirstOrDefault(s => s.Name == StageNames.Train(f.Round));
            string Trained(string metric, string format) => train is null ? "-" : Format(train, metric, format);
            text.AppendLine($"| {f.Round} | {Labeller(sample)} | {(sample is null ? "-" : Format(sample, StageMetrics.Pairs, "F0"))} | " +
                $"{Format(f, StageMetrics.Kept, "F0")} | {string.Join(" | ", FilterRules.Select(r => f.Removed.GetValueOrDefault(r)))} | " +
                $"{Format(f, "pairs/chosen_quality", "F3")} | {Format(f, "pairs/rejected_quality", "F3")} | " +
                $"{Format(f, "pairs/chosen_better", "P0")} | {Format(f, "pairs/chosen_worse", "P0")} | " +
                $"{Trained("loss", "F4")} | {Trained("rewards/margins", "F3")} | {Trained("rewards/accuracies", "F3")} |");
        }
    }

    // How the round's pairs were labelled: by the prompted scores, or by the policy grading its own answers.
    private static string Labeller(StageRecord? sample) => sample is null ? "-"
        : sample.Metrics.TryGetValue(StageMetrics.RejectedScore, out var score) ? $"prefixes, rejected score {score:0}"
        : "self-judge, grades " + string.Join(" ", Enumerable.Range(0, 11).Select(g =>
            sample.Metrics.GetValueOrDefault($"judge/grade_{g}").ToString("0", CultureInfo.InvariantCulture)));

    /// <summary>The primary scorer of the run's evaluations, in words.</summary>
    public static string ScorerName(Run run) => (run.Spec.Evaluation?.Scorer ?? Evaluator.V1.Scorer.Unspecified) switch
    {
        Evaluator.V1.Scorer.RewardModel => "reward model",
        Evaluator.V1.Scorer.Judge => "LLM judge",
        _ => "exact scorer",
    };

    private static Series Series(string name, IEnumerable<double> values) =>
        new(name, values.Select((y, i) => (X: (double)i, Y: y)).Where(p => double.IsFinite(p.Y)).ToList());

    private static double Metric(StageRecord stage, string name) => stage.Metrics.TryGetValue(name, out var value) ? value : double.NaN;

    private static string Format(StageRecord stage, string name, string format = "F1") =>
        stage.Metrics.TryGetValue(name, out var value) ? value.ToString(format, CultureInfo.InvariantCulture) : "-";
}
