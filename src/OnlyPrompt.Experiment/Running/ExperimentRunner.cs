using System.Diagnostics;
using System.Text.Json;
using OnlyPrompt.Answering;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Settings;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Loop;
using OnlyPrompt.Training.Losses;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Experiment.Running;

/// <summary>One stage's line of the results table.</summary>
public sealed record StageReport(
    string Stage, int? RejectedScore, int? Pairs, int? Kept, IReadOnlyDictionary<FilterRule, int>? Removed,
    double? Loss, double? Margin, HeldOutResult Evaluation, double Seconds)
{
    /// <summary>Mean quality when asked for score 0..10 after this stage: whether the policy still follows requested scores.</summary>
    public double[] Calibration { get; init; } = [];
    /// <summary>Held-out quality of the greedy answers asked for with the chosen (10 / 10) prefix: the ceiling the next round's chosen answers come from.</summary>
    public double? PrefixedQuality { get; init; }
    /// <summary>A round's effect on the likelihood of its own kept pairs (null outside rounds and in rounds without pairs).</summary>
    public LikelihoodShift? Likelihood { get; init; }
    /// <summary>The unweighted NLL term of the round's last step (TRL's nll_loss).</summary>
    public double? NllLoss { get; init; }
    /// <summary>
    /// A round's chosen and rejected answers scored against the round prompts' true answers (the rounds never see them):
    /// over every sampled pair, and over the kept pairs only, which the identical-answer filter tilts toward harder prompts.
    /// </summary>
    public PairQuality? SampledQuality { get; init; }
    public PairQuality? KeptQuality { get; init; }
}

public sealed record PairQuality(double Chosen, double Rejected);

public sealed record ExperimentResult(string OutputDirectory, IReadOnlyList<StageReport> Stages, int LeakedSftExamples);

/// <summary>
/// The method end to end, in-process: generate the world, SFT, offline initialisation, then M rounds of
/// sample (both prefixes) -> filter -> train against the previous round's model, with a rising rejected score
/// and a falling learning rate, evaluating held-out quality without any prefix after every stage.
/// </summary>
public sealed class ExperimentRunner(ExperimentOptions options, string outputDirectory, Action<string> log)
{
    public ExperimentResult Run(CancellationToken cancellation = default)
    {
        options.Validate();
        var device = TorchRuntime.Configure(options.Device, options.Threads);
        var worldDirectory = Path.Combine(outputDirectory, "world");
        var files = WorldFiles.Write(worldDirectory, options);
        var world = files.World;
        var baseModel = Path.Combine(worldDirectory, "base");
        LlamaCheckpoint.SaveInitialised(files.BaseModelConfig, baseModel, files.WeightSeed);
        var sftDirectory = options.StartFromSft ?? baseModel;
        using var model = PretrainedModel.Load(sftDirectory, device);
        var encoding = new ChatEncoding(model);
        var heldOut = new HeldOutAnswerer(model, new HeldOutSettings(options.EvalMaxNewTokens, options.CalibrationPrompts, options.GenerationBatch,
            options.Filter, options.Templates));
        var stages = new List<StageReport>();
        log(StageTable.Header);

        // 1a. SFT on instruction data (and the judge examples, so the self-rewarding baseline has a judge to ask).
        var clock = Stopwatch.StartNew();
        double? sftLoss = null;
        if (options.StartFromSft is null)
        {
            var sft = world.Sft.Select((r, i) => encoding.Sft($"sft-{i}", r.Prompt, r.Completion))
                .Concat(world.Judge.Select((r, i) => encoding.Sft($"judge-{i}", r.Prompt, r.Completion))).ToList();
            sftLoss = new Trainer<SftExample>(model.Model, new SftObjective(), options.Sft with { Seed = options.Seed })
                .Train(sft, progress: LogEvery(200, "sft"), cancellation: cancellation).LastMetrics.GetValueOrDefault(LossMetrics.Loss);
        }
        model.Save(Path.Combine(outputDirectory, "sft"));
        stages.Add(Report(new StageReport(options.StartFromSft is null ? "sft" : "sft (given)", null, null, null, null, sftLoss, null,
            heldOut.Evaluate(world.Eval), clock.Elapsed.TotalSeconds)));

        // 1b. Offline preference optimisation on the seed pairs: pi_0.
        clock.Restart();
        var seedPairs = world.Preferences.Select((r, i) => encoding.Pair($"seed-{i}", r.Prompt, r.Chosen, r.Rejected)).ToList();
        var offlineResult = TrainPreferences(model, null, seedPairs, options.OfflineLoss, options.OfflineSettings, options.Offline, cancellation);
        var initDirectory = Path.Combine(outputDirectory, "init");
        model.Save(initDirectory);
        using var initial = options.RoundReference == RoundReference.Initial ? PretrainedModel.Load(initDirectory, device) : null;
        stages.Add(Report(new StageReport("init", null, seedPairs.Count, seedPairs.Count, null, offlineResult.LastMetrics.GetValueOrDefault(LossMetrics.Loss),
            offlineResult.LastMetrics.GetValueOrDefault(LossMetrics.RewardsMargins), heldOut.Evaluate(world.Eval), clock.Elapsed.TotalSeconds)));

        // 2. Online rounds.
        var sampler = new PairSampler(new LocalAnswerer(model), options.Templates, options.GenerationBatch);
        var filter = new PairFilter(options.Filter);
        var probe = new LikelihoodProbe(model, options.Templates, encoding);
        var trueAnswers = world.RoundAnswers.ToDictionary(r => r.Prompt, r => r.Answer!);
        PairQuality? Quality(IReadOnlyList<SampledPair> pairs) => pairs.Count == 0 ? null : new(
            pairs.Average(p => ExactScorer.Quality(trueAnswers[p.Prompt], p.Chosen)),
            pairs.Average(p => ExactScorer.Quality(trueAnswers[p.Prompt], p.Rejected)));
        for (var round = 1; round <= options.Rounds; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            clock.Restart();
            var roundDirectory = Path.Combine(outputDirectory, $"round-{round}");
            Directory.CreateDirectory(roundDirectory);
            var score = options.RejectedScores[round - 1];
            var sampled = sampler.Sample(RoundPromptSets.ForRound(world.RoundPrompts, round), score, options.Sampling with { Seed = options.Seed * 1000L + round }, $"r{round}");
            var filtered = filter.Apply(sampled);
            JsonLines.Write(Path.Combine(roundDirectory, "pairs.jsonl"), sampled);
            JsonLines.Write(Path.Combine(roundDirectory, "kept.jsonl"), filtered.Kept);
            File.WriteAllText(Path.Combine(roundDirectory, "filter.json"), JsonSerializer.Serialize(filtered.Removed.ToDictionary(p => p.Key.ToString(), p => p.Value)));
            // A round without pairs trains nothing and keeps the previous model, as the Orchestrator does.
            IReadOnlyDictionary<string, double>? metrics = null;
            LikelihoodShift? likelihood = null;
            if (filtered.Kept.Count == 0)
                log($"round {round}: the filter kept none of {sampled.Count} pairs ({Describe(filtered.Removed)}); the model is not trained this round.");
            else
            {
                var pairs = filtered.Kept.Select(p => encoding.Pair(p.Id, p.Prompt, p.Chosen, p.Rejected) with
                {
                    NllPrompt = options.NllAfterChosenPrefix ? encoding.Prompt(options.Templates.ChosenInstruction(p.Prompt)) : null,
                }).ToList();
                var training = options.RoundTraining with { LearningRate = options.RoundLearningRates[round - 1] };
                var before = probe.Measure(filtered.Kept);
                metrics = TrainPreferences(model, initial, pairs, options.RoundLoss, options.RoundSettings, training, cancellation).LastMetrics;
                likelihood = LikelihoodProbe.Shift(before, probe.Measure(filtered.Kept));
            }
            model.Save(Path.Combine(roundDirectory, "checkpoint"));
            var evaluation = heldOut.Evaluate(world.Eval);
            File.WriteAllText(Path.Combine(roundDirectory, "eval.json"), JsonSerializer.Serialize(evaluation));
            stages.Add(Report(new StageReport($"round {round}", score, sampled.Count, filtered.Kept.Count, filtered.Removed,
                metrics?.GetValueOrDefault(LossMetrics.Loss), metrics?.GetValueOrDefault(LossMetrics.RewardsMargins), evaluation, clock.Elapsed.TotalSeconds)
            {
                Likelihood = likelihood,
                NllLoss = metrics?.GetValueOrDefault(LossMetrics.NllLoss),
                SampledQuality = Quality(sampled),
                KeptQuality = Quality(filtered.Kept),
            }));
        }

        var experiment = new ExperimentResult(outputDirectory, stages, world.Sft.Count(r => r.Leaked));
        File.WriteAllText(Path.Combine(outputDirectory, "report.json"), JsonSerializer.Serialize(experiment, JsonLines.Options));
        return experiment;

        // Every stage also probes whether the policy still follows requested scores: the rounds' pairs depend on it.
        StageReport Report(StageReport row)
        {
            row = row with { Calibration = heldOut.Calibration(world.Eval), PrefixedQuality = heldOut.Evaluate(world.Eval, options.Templates.Chosen).MeanQuality };
            log(ReportTable.Row(row));
            log($"  quality by requested score 0..10 after {row.Stage}: " +
                string.Join(" ", row.Calibration.Select(q => q.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))));
            log($"  held-out quality asked for 10 / 10 with the chosen prefix: {row.PrefixedQuality:F3}");
            if (row.Likelihood is { } l)
                log(ReportTable.Likelihood(l, row.NllLoss));
            if (row.SampledQuality is { } all && row.KeptQuality is { } kept)
                log(FormattableString.Invariant($"  true quality of the round's answers, chosen / rejected: all pairs {all.Chosen:F3} / {all.Rejected:F3}, ") +
                    FormattableString.Invariant($"kept pairs {kept.Chosen:F3} / {kept.Rejected:F3}"));
            return row;
        }
    }

    private Action<TrainingProgress> LogEvery(int steps, string stage) => p =>
    {
        if (p.Step % steps == 0 || p.Step == p.TotalSteps)
            log($"  {stage} step {p.Step}/{p.TotalSteps}: loss {p.Loss:F3}, lr {p.LearningRate:G3}, {p.TokensPerSecond:F0} tokens/s");
    };

    // Reference log-probs come from the model as it is before this pass (pi_{m-1}) unless another reference is given,
    // cached so training holds one model.
    private static TrainingResult TrainPreferences(PretrainedModel model, PretrainedModel? reference, IReadOnlyList<PreferencePair> pairs, PreferenceLoss loss,
        LossSettings settings, TrainingOptions training, CancellationToken cancellation)
    {
        var prepared = loss.NeedsReference() ? ReferenceCache.Attach((reference ?? model).Model, pairs, 64) : pairs;
        return new Trainer<PreferencePair>(model.Model, new PreferenceObjective(loss, settings), training).Train(prepared, cancellation: cancellation);
    }

    private static string Describe(IReadOnlyDictionary<FilterRule, int> removed) =>
        string.Join(", ", removed.Where(p => p.Value > 0).Select(p => $"{p.Key}: {p.Value}"));
}

/// <summary>The per-stage table printed as the experiment goes.</summary>
public static class ReportTable
{
    public static string Row(StageReport r)
    {
        string Count(FilterRule rule) => r.Removed is null ? "-" : r.Removed[rule].ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Number(double? value, string format) => value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "-";
        return $"{r.Stage,-9} {(r.RejectedScore?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"),3}  {Number(r.Pairs, "0"),5}  {Number(r.Kept, "0"),4}  " +
               $"{Count(FilterRule.LeakedRequest),4}  {Count(FilterRule.CutOff),3}  {Count(FilterRule.Identical),4}  {Count(FilterRule.Empty),5}  " +
               $"{Number(r.Loss, "F4"),-7}  {Number(r.Margin, "F3"),-7}  {r.Evaluation.MeanQuality:F3} ± {r.Evaluation.StandardError:F3}  {r.Evaluation.LeakRate,5:P0}  {r.Seconds,5:F0}s";
    }

    /// <summary>Mean per-token log-prob of the round's kept answers before -> after its training, and the share of chosen answers that fell.</summary>
    public static string Likelihood(LikelihoodShift l, double? nllLoss) => FormattableString.Invariant(
        $"  log-prob per token, before -> after: chosen plain {l.Before.ChosenPlain:F3} -> {l.After.ChosenPlain:F3}, ") +
        FormattableString.Invariant($"chosen prefixed {l.Before.ChosenPrefixed:F3} -> {l.After.ChosenPrefixed:F3}, ") +
        FormattableString.Invariant($"rejected plain {l.Before.RejectedPlain:F3} -> {l.After.RejectedPlain:F3}, ") +
        FormattableString.Invariant($"rejected prefixed {l.Before.RejectedPrefixed:F3} -> {l.After.RejectedPrefixed:F3}; ") +
        FormattableString.Invariant($"chosen fell in {l.ChosenPlainFell:P0} plain, {l.ChosenPrefixedFell:P0} prefixed; nll_loss {nllLoss?.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
}
