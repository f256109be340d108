using System.Globalization;
using System.Text;
using OnlyPrompt.Evaluation.Metrics;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Cli;

/// <summary>
/// The paper's tables in miniature from finished runs of every kind over several seeds: per model, the held-out
/// quality and the (length-controlled) win rate over the same seed's SFT model, judged exactly, as mean ± 95%
/// interval over seeds. Every distinct model of a seed answered the same held-out instructions, so the LC win rate
/// carries AlpacaEval 2's instruction-difficulty term, estimated per seed from all of them.
/// </summary>
public sealed class ComparisonTables(BlobStore store, IReadOnlyDictionary<(int Seed, string Kind), Run> runs)
{
    private readonly Dictionary<(int Seed, string Kind, string Stage), (string Report, HeldOutResult Result)> evaluations = [];
    private readonly Dictionary<int, IReadOnlyDictionary<string, double>?> difficulty = [];
    private int[] Seeds => runs.Keys.Select(k => k.Seed).Distinct().Order().ToArray();

    public async Task<string> WriteAsync(CancellationToken cancellation)
    {
        foreach (var ((seed, kind), run) in runs)
            foreach (var stage in run.Stages.Where(s => s.Evaluation is not null))
                evaluations[(seed, kind, stage.Name)] = (EvaluationReports.Of(stage).Sha256,
                    (await EvaluationReports.ReadAsync(store, stage, cancellation)).Evaluation);
        foreach (var seed in Seeds)
            difficulty[seed] = Difficulty(seed);
        var rounds = runs.Values.Max(r => r.Spec.Rounds.Count);
        var text = new StringBuilder();
        text.AppendLine($"Seeds {string.Join(", ", Seeds)}; cells are mean ± 95% interval over seeds. Win rates are over the same seed's SFT model " +
            "(plain prompts), judged by the exact scorer: the higher quality wins, equal qualities tie; LC is AlpacaEval 2's length-controlled win " +
            "rate over answer lengths in words, with its instruction-difficulty term estimated per seed from every distinct model compared with " +
            "that seed's SFT model (the row over offline SimPO, another baseline, leaves the term out).");
        text.AppendLine();
        text.AppendLine("Table 1: the method against its baselines");
        Header(text);
        Row(text, "SFT", RunKinds.OnlyPrompting, StageNames.SftEvaluate);
        Row(text, "offline DPO", RunKinds.OfflineDpo, StageNames.InitEvaluate);
        Row(text, "offline SimPO", RunKinds.OfflineSimPo, StageNames.InitEvaluate);
        for (var round = 1; round <= rounds; round++)
            Row(text, $"self-rewarding, round {round}", RunKinds.SelfRewarding, StageNames.Evaluate(round));
        for (var round = 1; round <= rounds; round++)
            Row(text, $"this method, round {round}", RunKinds.OnlyPrompting, StageNames.Evaluate(round));
        text.AppendLine();
        text.AppendLine("Table 2: how each round was labelled (mean over seeds)");
        text.AppendLine("Chosen and rejected quality of the kept pairs, and of every sampled pair: the filter drops pairs with identical answers, " +
            "mostly on easy prompts.");
        text.AppendLine("| labeller | round | rejected score | pairs | kept | leaked | chosen quality | rejected quality | chosen better | all " +
            "pairs: chosen | all pairs: rejected | judge: answers per grade 0..10 | unpaired prompts |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (var round = 1; round <= rounds; round++)
        {
            Labelling(text, "only-prompting", RunKinds.OnlyPrompting, round);
            Labelling(text, "self-rewarding judge", RunKinds.SelfRewarding, round);
            Labelling(text, "adaptive gap", RunKinds.AdaptiveGap, round);
        }
        text.AppendLine();
        text.AppendLine("Table 3: ablations");
        Header(text);
        for (var round = 1; round <= rounds; round++)
            Row(text, $"fixed rejected score, round {round}", RunKinds.FixedGap, StageNames.Evaluate(round));
        for (var round = 1; round <= rounds; round++)
            Row(text, $"adaptive gap, round {round}", RunKinds.AdaptiveGap, StageNames.Evaluate(round));
        Row(text, "SFT with the chosen prefix at inference", RunKinds.ChosenPrefix, StageNames.SftEvaluate);
        Row(text, "SimPO with the chosen prefix at inference", RunKinds.ChosenPrefix, StageNames.InitEvaluate);
        Row(text, "SFT with the chosen prefix, over offline SimPO", RunKinds.ChosenPrefix, StageNames.SftEvaluate,
            baseline: (RunKinds.OfflineSimPo, StageNames.InitEvaluate));
        return text.ToString();
    }

    private static void Header(StringBuilder text)
    {
        text.AppendLine("| model | quality | win rate % | LC win rate % | words |");
        text.AppendLine("|---|---|---|---|---|");
    }

    private void Row(StringBuilder text, string label, string kind, string stage, (string Kind, string Stage)? baseline = null)
    {
        var (against, againstStage) = baseline ?? (RunKinds.OnlyPrompting, StageNames.SftEvaluate);
        var cells = Seeds.Select(seed => (Seed: seed, Model: Result(seed, kind, stage), Baseline: Result(seed, against, againstStage)))
            .Where(c => c.Model is not null && c.Baseline is not null).ToList();
        if (cells.Count == 0)
        {
            text.AppendLine($"| {label} | not run | | | |");
            return;
        }
        var rates = cells.Select(c => WinRates.Of(HeadToHead.Preferences(c.Model!, c.Baseline!), bootstrapSamples: 0,
            difficulty: baseline is null ? difficulty[c.Seed] : null)).ToList();
        text.AppendLine($"| {label} | {Cell(cells.Select(c => c.Model!.MeanQuality), "F3")} | {Cell(rates.Select(r => r.WinRate.Mean), "F1")} | " +
                        $"{Cell(rates.Select(r => r.LengthControlled.Mean), "F1")} | " +
                        $"{Cell(cells.Select(c => c.Model!.Answers.Average(a => (double)a.Words)), "F1")} |");
    }

    private HeldOutResult? Result(int seed, string kind, string stage) => evaluations.GetValueOrDefault((seed, kind, stage)).Result;

    // The seed's distinct models (a stage reused by several kinds counts once; the SFT model itself is the baseline)
    // against its SFT model; null when fewer than two.
    private IReadOnlyDictionary<string, double>? Difficulty(int seed)
    {
        if (!evaluations.TryGetValue((seed, RunKinds.OnlyPrompting, StageNames.SftEvaluate), out var sft))
            return null;
        var models = evaluations.Where(e => e.Key.Seed == seed && e.Value.Report != sft.Report).DistinctBy(e => e.Value.Report)
            .Select(e => HeadToHead.Preferences(e.Value.Result, sft.Result)).ToList();
        return models.Count >= 2 ? InstructionDifficulty.Estimate(models) : null;
    }

    private void Labelling(StringBuilder text, string label, string kind, int round)
    {
        var stages = Seeds.Select(seed => runs.GetValueOrDefault((seed, kind))).Where(r => r is not null)
            .Select(r => (Sample: r!.Stages.FirstOrDefault(s => s.Name == StageNames.Sample(round)),
                Filter: r.Stages.FirstOrDefault(s => s.Name == StageNames.Filter(round))))
            .Where(s => s.Sample is not null && s.Filter is not null).ToList();
        if (stages.Count == 0)
            return;
        double Mean(Func<(StageRecord Sample, StageRecord Filter), double> value) => stages.Average(s => value((s.Sample!, s.Filter!)));
        // Pair quality is recorded by newer orchestrators only: average over the runs that have it.
        string PairMean(string metric, string format)
        {
            var values = stages.Where(s => s.Filter!.Metrics.ContainsKey(metric)).Select(s => s.Filter!.Metrics[metric]).ToList();
            return values.Count == 0 ? "-" : values.Average().ToString(format, CultureInfo.InvariantCulture);
        }
        var grades = Enumerable.Range(0, 11).Select(g => Mean(s => s.Sample.Metrics.GetValueOrDefault($"judge/grade_{g}"))).ToArray();
        var judged = kind == RunKinds.SelfRewarding;
        var rejectedScores = judged ? "-" : string.Join("/", stages.Select(s =>
            s.Sample!.Metrics.GetValueOrDefault(StageMetrics.RejectedScore).ToString("0", CultureInfo.InvariantCulture)));
        var unpaired = judged ? Mean(s => s.Sample.Metrics.GetValueOrDefault("judge/unpaired")).ToString("F1", CultureInfo.InvariantCulture) : "-";
        text.AppendLine($"| {label} | {round} | {rejectedScores} | {Mean(s => s.Sample.Metrics.GetValueOrDefault(StageMetrics.Pairs)):F0} | " +
                        $"{Mean(s => s.Filter.Metrics.GetValueOrDefault(StageMetrics.Kept)):F0} | " +
                        $"{Mean(s => s.Filter.Removed.GetValueOrDefault("LeakedRequest")):F1} | {PairMean("pairs/chosen_quality", "F3")} | " +
                        $"{PairMean("pairs/rejected_quality", "F3")} | {PairMean("pairs/chosen_better", "P0")} | " +
                        $"{PairMean("pairs/sampled/chosen_quality", "F3")} | {PairMean("pairs/sampled/rejected_quality", "F3")} | " +
                        $"{(judged ? string.Join(" ", grades.Select(g => g.ToString("F0", CultureInfo.InvariantCulture))) : "-")} | " +
                        $"{unpaired} |");
    }

    private static string Cell(IEnumerable<double> perSeed, string format)
    {
        var interval = MeanInterval.Of(perSeed.ToList());
        var mean = interval.Mean.ToString(format, CultureInfo.InvariantCulture);
        return double.IsInfinity(interval.HalfWidth) ? mean : $"{mean} ± {interval.HalfWidth.ToString(format, CultureInfo.InvariantCulture)}";
    }
}
