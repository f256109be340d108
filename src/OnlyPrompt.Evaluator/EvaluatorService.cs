using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using OnlyPrompt.Evaluation.Metrics;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Experiment.Filtering;
using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Evaluator;

/// <summary>
/// Held-out answers of a checkpoint (greedy, no prefix) and the requested-score calibration probe, scored by the
/// request's primary scorer: exact quality against reference answers, or a reward model; a reward model and a judge
/// may also score beside it.
/// </summary>
public sealed class EvaluatorService(ModelStore models, Datasets datasets, BlobStore store, ComputeGate gate, LlmJudging judging) : V1.Evaluator.EvaluatorBase
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Evaluator");

    public override async Task<EvaluateResponse> Evaluate(EvaluateRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors().Checkpoint(request.Model, "model").Blob(request.EvalSet, "eval_set");
        if (request.RewardModel is not null)
            errors.Checkpoint(request.RewardModel, "reward_model");
        if (request.Judge is not null)
            LlmJudging.Validate(errors, request.Judge, request.BaselineReport, "judge");
        errors
            .Check(request.Scorer is Scorer.Exact or Scorer.RewardModel, "scorer", $"is {request.Scorer}; supported: SCORER_EXACT, SCORER_REWARD_MODEL.")
            .Check(request.Scorer != Scorer.RewardModel || request.RewardModel is not null, "reward_model", "is required by SCORER_REWARD_MODEL.")
            .Check(request.MaxNewTokens > 0, "max_new_tokens", $"is {request.MaxNewTokens}; it must be positive.")
            .Check(request.CalibrationPrompts >= 0, "calibration_prompts", "must be >= 0.")
            .Check(request.CalibrationPrompts == 0 || PromptTemplates.HasScorePlaceholder(request.CalibrationTemplate), "calibration_template",
                $"must contain {PromptTemplates.ScorePlaceholder} when calibration_prompts > 0.")
            .Check(request.BatchSize >= 0, "batch_size", "must be >= 0 (0: the default).")
            .Output(request.OutputContainer, request.OutputName).ThrowIfAny();
        var cancellation = context.CancellationToken;
        using var activity = Source.StartActivity("evaluate");
        var records = await datasets.ReadAsync<EvalRecord>(request.EvalSet, cancellation);
        if (request.Scorer == Scorer.Exact && records.FindIndex(r => r.Answer is null) is var missing and >= 0)
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"eval_set: row {missing + 1} has no answer; the exact scorer needs reference answers (score with a reward model instead)."));
        var options = new ExperimentOptions
        {
            EvalMaxNewTokens = request.MaxNewTokens,
            CalibrationPrompts = request.CalibrationPrompts,
            GenerationBatch = request.BatchSize > 0 ? request.BatchSize : ContractConversions.DefaultBatchSize,
            Filter = new FilterOptions { LeakPatterns = request.LeakPatterns.Count > 0 ? request.LeakPatterns.ToList() : FilterOptions.DefaultLeakPatterns },
            Templates = request.CalibrationPrompts > 0 ? new PromptTemplates(Rejected: request.CalibrationTemplate) : new PromptTemplates(),
        };
        var (evaluation, calibration, rewards, gap) = await gate.RunAsync(() => Score(request, records, options, cancellation), cancellation);

        var response = new EvaluateResponse
        {
            MeanQuality = evaluation.MeanQuality, StandardError = evaluation.StandardError, LeakRate = evaluation.LeakRate,
            QualityByFamily = { evaluation.QualityByFamily.ToDictionary() }, Calibration = { calibration },
            CalibrationWarning = CalibrationCheck.Warning(calibration) ?? "", MeanWords = evaluation.Answers.Average(a => a.Words), Scorer = request.Scorer,
        };
        if (rewards is not null)
        {
            var reward = MeanInterval.Of(rewards.Select(r => (double)r).ToList());
            response.Reward = new Interval { Mean = reward.Mean, Low = reward.Low, High = reward.High };
        }
        if (gap is not null)
        {
            var interval = MeanInterval.Of(gap);
            response.PrefixGap = new Interval { Mean = interval.Mean, Low = interval.Low, High = interval.High };
            response.PrefixGapWarning = PrefixGap.Warning(interval) ?? "";
            activity?.SetTag("onlyprompt.prefix_gap", interval.Mean);
        }
        if (request.Judge is not null)
            await judging.ApplyAsync(request.Judge, request.BaselineReport, evaluation, response, cancellation);
        response.Report = await store.UploadTextAsync(request.OutputContainer, request.OutputName,
            JsonSerializer.Serialize(new EvaluationReport(evaluation, calibration, rewards, request.PromptPrefix), JsonLines.Options), cancellation);
        activity?.SetTag("onlyprompt.scorer", request.Scorer.ToString());
        activity?.SetTag("onlyprompt.quality", evaluation.MeanQuality);
        activity?.SetTag("onlyprompt.leak_rate", evaluation.LeakRate);
        return response;
    }

    public override async Task<ScorePairsResponse> ScorePairs(ScorePairsRequest request, ServerCallContext context)
    {
        new FieldErrors().Checkpoint(request.RewardModel, "reward_model").Blob(request.Pairs, "pairs").ThrowIfAny();
        var cancellation = context.CancellationToken;
        using var activity = Source.StartActivity("score pairs");
        var pairs = await datasets.ReadAsync<PreferenceRow>(request.Pairs, cancellation);
        if (pairs.Count == 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"pairs: {BlobStore.Describe(request.Pairs)} has no pairs."));
        var (chosen, rejected) = await gate.RunAsync(() =>
        {
            using var rewardModel = models.LoadRewardModelAsync(request.RewardModel, cancellation).GetAwaiter().GetResult();
            return (rewardModel.Score(pairs.Select(p => (p.Prompt, p.Chosen)).ToList()), rewardModel.Score(pairs.Select(p => (p.Prompt, p.Rejected)).ToList()));
        }, cancellation);
        static Interval Of(IEnumerable<float> rewards)
        {
            var mean = MeanInterval.Of(rewards.Select(r => (double)r).ToList());
            return new Interval { Mean = mean.Mean, Low = mean.Low, High = mean.High };
        }
        activity?.SetTag("onlyprompt.pairs", pairs.Count);
        return new ScorePairsResponse
        {
            Chosen = Of(chosen), Rejected = Of(rejected), Pairs = pairs.Count,
            ChosenBetter = chosen.Zip(rejected).Count(p => p.First > p.Second) / (double)pairs.Count,
        };
    }

    // The policy answers first and is unloaded; then the reward model, when there is one, scores the answers.
    private (Experiment.Running.Evaluation, double[], float[]?, double[]?) Score(EvaluateRequest request, List<EvalRecord> records,
        ExperimentOptions options, CancellationToken cancellation)
    {
        List<string> answers, probeAnswers, prefixed = [];
        IReadOnlyList<EvalRecord> probe;
        Experiment.Filtering.PairFilter leaks;
        using (var model = models.LoadAsync(request.Model, cancellation).GetAwaiter().GetResult())
        {
            var evaluator = new Experiment.Running.Evaluator(model, options);
            leaks = evaluator.LeakDetector;
            answers = evaluator.Answers(records, request.PromptPrefix);
            if (request.GapPrefix.Length > 0)
                prefixed = evaluator.Answers(records, request.GapPrefix);
            probe = request.CalibrationPrompts > 0 ? evaluator.CalibrationSubset(records) : [];
            probeAnswers = probe.Count > 0 ? evaluator.CalibrationAnswers(probe) : [];
        }
        IReadOnlyList<EvalRecord> probeRecords = [.. Enumerable.Range(0, 11).SelectMany(_ => probe)];
        float[]? rewards = null;
        double[] scores, probeScores, prefixedScores;
        if (request.RewardModel is null)
            (scores, probeScores, prefixedScores) = (Scoring.Exact(records, answers), Scoring.Exact(probeRecords, probeAnswers),
                prefixed.Count > 0 ? Scoring.Exact(records, prefixed) : []);
        else
        {
            using var rewardModel = models.LoadRewardModelAsync(request.RewardModel, cancellation).GetAwaiter().GetResult();
            double[] Rewards(IReadOnlyList<EvalRecord> prompts, IReadOnlyList<string> replies) =>
                rewardModel.Score(prompts.Select((r, i) => (r.Prompt, replies[i])).ToList()).Select(r => (double)r).ToArray();
            rewards = rewardModel.Score(records.Select((r, i) => (r.Prompt, answers[i])).ToList());
            var byReward = request.Scorer == Scorer.RewardModel;
            scores = byReward ? rewards.Select(r => (double)r).ToArray() : Scoring.Exact(records, answers);
            probeScores = byReward ? Rewards(probeRecords, probeAnswers) : Scoring.Exact(probeRecords, probeAnswers);
            prefixedScores = prefixed.Count == 0 ? [] : byReward ? Rewards(records, prefixed) : Scoring.Exact(records, prefixed);
        }
        var calibration = probe.Count > 0 ? Scoring.CalibrationCurve(probe.Count, probeScores) : [];
        var gap = prefixed.Count > 0 ? prefixedScores.Select((s, i) => s - scores[i]).ToArray() : null;
        return (Scoring.Evaluation(records, answers, scores, leaks), calibration, rewards, gap);
    }
}
