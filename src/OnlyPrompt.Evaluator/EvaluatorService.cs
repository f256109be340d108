using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using OnlyPrompt.Answering;
using OnlyPrompt.Evaluation.Metrics;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Evaluator;

/// <summary>
/// Held-out answers of a checkpoint (greedy, no prefix) and the requested-score calibration probe, scored by the
/// request's primary scorer: exact quality against reference answers, a reward model, or an LLM judge; a reward model
/// and a judge may also score beside it.
/// </summary>
public sealed class EvaluatorService(ModelStore models, Datasets datasets, BlobStore store, ComputeGate gate, LlmJudging judging)
    : V1.Evaluator.EvaluatorBase
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Evaluator");

    public override async Task<EvaluateResponse> Evaluate(EvaluateRequest request, ServerCallContext context)
    {
        Validate(request);
        var byJudge = request.Scorer == Scorer.Judge;
        var cancellation = context.CancellationToken;
        using var activity = Source.StartActivity("evaluate");
        var records = await datasets.ReadAsync<EvalRecord>(request.EvalSet, cancellation);
        RequireReferences(request, records);
        var settings = new HeldOutSettings(request.MaxNewTokens, request.CalibrationPrompts,
            request.BatchSize > 0 ? request.BatchSize : SettingsConversions.DefaultBatchSize,
            new FilterOptions { LeakPatterns = request.LeakPatterns.Count > 0 ? request.LeakPatterns.ToList() : FilterOptions.DefaultLeakPatterns },
            request.CalibrationPrompts > 0 ? new Method.Data.PromptTemplates(Rejected: request.CalibrationTemplate)
                : new Method.Data.PromptTemplates());
        var answered = await gate.RunAsync(() => Answer(request, records, settings, cancellation), cancellation);
        var (scored, rewards) = await ScoreAsync(request, records, answered, cancellation);

        // Answers without a score (a judge's unreadable verdict) are left out of every mean.
        var kept = Enumerable.Range(0, records.Count).Where(i => scored.Answers[i] is not null).ToList();
        if (kept.Count == 0)
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"the judge gave no readable verdict for any of the {records.Count} answers."));
        var evaluation = Scoring.Result([.. kept.Select(i => records[i])], [.. kept.Select(i => answered.Answers[i])],
            [.. kept.Select(i => scored.Answers[i]!.Value)], answered.Leaks);
        var calibration = Calibration(answered.Probe.Count, scored.Probe);
        var response = new EvaluateResponse
        {
            MeanQuality = evaluation.MeanQuality, StandardError = evaluation.StandardError, LeakRate = evaluation.LeakRate,
            QualityByFamily = { evaluation.QualityByFamily.ToDictionary() }, Calibration = { calibration },
            CalibrationWarning = CalibrationCheck.Warning(calibration) ?? "", MeanWords = evaluation.Answers.Average(a => a.Words),
            Scorer = request.Scorer,
        };
        // The report pairs rewards with its answers, so they are kept for the same answers.
        rewards = rewards is null ? null : [.. kept.Select(i => rewards[i])];
        if (rewards is not null)
            response.Reward = LlmJudging.ToInterval(MeanInterval.Of(rewards.Select(r => (double)r).ToList()));
        SetPrefixGap(scored, response, activity);
        if (byJudge)
            JudgeNumbers(request.Judge!, records, answered.Answers, scored.Answers, response);
        else if (request.Judge is not null)
            await judging.ApplyAsync(request.Judge, request.BaselineReport, evaluation, response, cancellation);
        var report = JsonSerializer.Serialize(new EvaluationReport(evaluation, calibration, rewards, request.PromptPrefix), JsonLines.Options);
        response.Report = (await store.UploadTextAsync(request.OutputContainer, request.OutputName, report, cancellation)).ToContract();
        activity?.SetTag("onlyprompt.scorer", request.Scorer.ToString());
        activity?.SetTag("onlyprompt.quality", evaluation.MeanQuality);
        activity?.SetTag("onlyprompt.leak_rate", evaluation.LeakRate);
        return response;
    }

    private static void Validate(EvaluateRequest request)
    {
        var byJudge = request.Scorer == Scorer.Judge;
        var errors = new FieldErrors().Checkpoint(request.Model, "model").Blob(request.EvalSet, "eval_set");
        if (request.RewardModel is not null)
            errors.Checkpoint(request.RewardModel, "reward_model");
        if (request.Judge is not null)
            LlmJudging.Validate(errors, request.Judge, request.BaselineReport, byJudge, "judge");
        errors
            .Check(request.Scorer is Scorer.Exact or Scorer.RewardModel or Scorer.Judge, "scorer",
                $"is {request.Scorer}; supported: SCORER_EXACT, SCORER_REWARD_MODEL, SCORER_JUDGE.")
            .Check(request.Scorer != Scorer.RewardModel || request.RewardModel is not null, "reward_model",
                "is required by SCORER_REWARD_MODEL.")
            .Check(!byJudge || request.Judge is not null, "judge", "is required by SCORER_JUDGE.")
            .Check(request.MaxNewTokens > 0, "max_new_tokens", $"is {request.MaxNewTokens}; it must be positive.")
            .Check(request.CalibrationPrompts >= 0, "calibration_prompts", "must be >= 0.")
            .Check(request.CalibrationPrompts == 0 || PromptTemplates.HasScorePlaceholder(request.CalibrationTemplate), "calibration_template",
                $"must contain {PromptTemplates.ScorePlaceholder} when calibration_prompts > 0.")
            .Check(request.BatchSize >= 0, "batch_size", "must be >= 0 (0: the default).")
            .Output(request.OutputContainer, request.OutputName).ThrowIfAny();
    }

    private static void RequireReferences(EvaluateRequest request, List<EvalRecord> records)
    {
        if (request.Scorer == Scorer.Exact && records.FindIndex(r => r.Answer is null) is var missing and >= 0)
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"eval_set: row {missing + 1} has no answer; the exact scorer needs reference answers (score with a reward model or " +
                "judge instead)."));
        var pairwiseJudge = request.Scorer == Scorer.Judge && request.Judge!.Mode != JudgeMode.Rating;
        if (pairwiseJudge && records.FindIndex(r => r.Reference is null) is var unreferenced and >= 0)
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"eval_set: row {unreferenced + 1} has no reference output (AlpacaEval's 'output'), which a pairwise judge as the scorer " +
                "compares against."));
    }

    // The gap between answers after the 10/10 prefix and plain ones, over the answers scored both ways.
    private static void SetPrefixGap(Scored scored, EvaluateResponse response, Activity? activity)
    {
        var pairs = Enumerable.Range(0, scored.Answers.Length)
            .Where(i => scored.Prefixed.Length > 0 && scored.Answers[i] is not null && scored.Prefixed[i] is not null)
            .Select(i => (Prefixed: scored.Prefixed[i]!.Value, Plain: scored.Answers[i]!.Value)).ToList();
        if (pairs.Count == 0)
            return;
        var gap = MeanInterval.Of([.. pairs.Select(p => p.Prefixed - p.Plain)]);
        response.PrefixedQuality = pairs.Average(p => p.Prefixed);
        response.PrefixGap = LlmJudging.ToInterval(gap);
        response.PrefixGapWarning = PrefixGap.Warning(gap) ?? "";
        activity?.SetTag("onlyprompt.prefix_gap", gap.Mean);
    }

    private sealed record Answered(List<string> Answers, IReadOnlyList<EvalRecord> Probe, List<string> ProbeAnswers,
        List<string> Prefixed, PairFilter Leaks)
    {
        /// <summary>The probe's records in the order of its answers: the subset once per requested score 0..10.</summary>
        public IReadOnlyList<EvalRecord> ProbeRecords { get; } = [.. Enumerable.Range(0, 11).SelectMany(_ => Probe)];
    }

    /// <summary>Each answer's score under the primary scorer (null: no readable verdict), for the plain, probe and prefixed answers.</summary>
    private sealed record Scored(double?[] Answers, double?[] Probe, double?[] Prefixed);

    // The policy answers everything there is to score while it is loaded: the held-out prompts, the probe, the prefixed prompts.
    private Answered Answer(EvaluateRequest request, List<EvalRecord> records, HeldOutSettings settings, CancellationToken cancellation)
    {
        using var model = models.LoadForInferenceAsync(request.Model, cancellation).GetAwaiter().GetResult();
        var heldOut = new HeldOutAnswerer(model, settings);
        var probe = request.CalibrationPrompts > 0 ? heldOut.CalibrationSubset(records) : [];
        return new Answered(heldOut.Answers(records, request.PromptPrefix), probe, probe.Count > 0 ? heldOut.CalibrationAnswers(probe) : [],
            request.GapPrefix.Length > 0 ? heldOut.Answers(records, request.GapPrefix) : [], heldOut.LeakDetector);
    }

    // After the policy is unloaded: the reward model (primary or beside) scores under the compute gate; a judge over the network.
    private async Task<(Scored Scored, float[]? Rewards)> ScoreAsync(EvaluateRequest request, List<EvalRecord> records, Answered answered,
        CancellationToken cancellation)
    {
        double?[] Exact(IReadOnlyList<EvalRecord> prompts, IReadOnlyList<string> replies) =>
            replies.Count == 0 ? [] : [.. Scoring.Exact(prompts, replies).Select(s => (double?)s)];
        float[]? rewards = null;
        Scored? byReward = null;
        if (request.RewardModel is not null)
            (rewards, byReward) = await gate.RunAsync(() =>
            {
                using var rewardModel = models.LoadRewardModelAsync(request.RewardModel, cancellation).GetAwaiter().GetResult();
                double?[] Rewards(IReadOnlyList<EvalRecord> prompts, IReadOnlyList<string> replies) => replies.Count == 0 ? []
                    : [.. rewardModel.Score(prompts.Select((r, i) => (r.Prompt, replies[i])).ToList()).Select(r => (double?)r)];
                var plain = Rewards(records, answered.Answers);
                return (plain.Select(r => (float)r!.Value).ToArray(), request.Scorer == Scorer.RewardModel
                    ? new Scored(plain, Rewards(answered.ProbeRecords, answered.ProbeAnswers), Rewards(records, answered.Prefixed)) : null);
            }, cancellation);
        if (request.Scorer == Scorer.Judge)
        {
            var judged = await judging.ScoreAsync(request.Judge,
                [(records, answered.Answers), (answered.ProbeRecords, answered.ProbeAnswers), (records, answered.Prefixed)], cancellation);
            return (new Scored(judged[0], judged[1], judged[2]), rewards);
        }
        return (request.Scorer == Scorer.RewardModel ? byReward!
            : new Scored(Exact(records, answered.Answers), Exact(answered.ProbeRecords, answered.ProbeAnswers),
                Exact(records, answered.Prefixed)), rewards);
    }

    // The mean score at each requested score, when every level has a score to average.
    private static double[] Calibration(int subsetCount, double?[] probe)
    {
        if (subsetCount == 0)
            return [];
        var levels = Enumerable.Range(0, 11).Select(s =>
            probe.Skip(s * subsetCount).Take(subsetCount).Where(v => v is not null).Select(v => v!.Value).ToList()).ToList();
        return levels.All(l => l.Count > 0) ? [.. levels.Select(l => l.Average())] : [];
    }

    // The judge's own numbers, from its primary scores: the mean rating, or the win rates over the references.
    private static void JudgeNumbers(JudgeSettings judge, List<EvalRecord> records, List<string> answers, double?[] scores, EvaluateResponse response)
    {
        response.JudgeUnreadable = scores.Count(s => s is null);
        var readable = Enumerable.Range(0, records.Count).Where(i => scores[i] is not null).ToList();
        if (judge.Mode == JudgeMode.Rating)
        {
            response.JudgeRating = LlmJudging.ToInterval(MeanInterval.Of([.. readable.Select(i => scores[i]!.Value)]));
            return;
        }
        var rates = WinRates.Of([.. readable.Select(i =>
            new Preference(scores[i]!.Value, Scoring.Words(answers[i]), Scoring.Words(records[i].Reference!), records[i].Prompt))]);
        response.JudgeWinRate = rates.WinRate.Mean;
        response.JudgeLcWinRate = LlmJudging.ToInterval(rates.LengthControlled);
    }

    public override async Task<ScorePairsResponse> ScorePairs(ScorePairsRequest request, ServerCallContext context)
    {
        new FieldErrors().Checkpoint(request.RewardModel, "reward_model").Blob(request.Pairs, "pairs").ThrowIfAny();
        var cancellation = context.CancellationToken;
        using var activity = Source.StartActivity("score pairs");
        var pairs = await datasets.ReadAsync<PreferenceRow>(request.Pairs, cancellation);
        if (pairs.Count == 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"pairs: {request.Pairs.Describe()} has no pairs."));
        var (chosen, rejected) = await gate.RunAsync(() =>
        {
            using var rewardModel = models.LoadRewardModelAsync(request.RewardModel, cancellation).GetAwaiter().GetResult();
            // Each answer after the turns it was asked after: the pair's context, then its prompt.
            IReadOnlyList<IReadOnlyList<ChatMessage>> Conversations(Func<PreferenceRow, string> answer) =>
                [.. pairs.Select(p => (IReadOnlyList<ChatMessage>)[.. p.Context ?? [], ChatMessage.User(p.Prompt),
                    ChatMessage.Assistant(answer(p))])];
            return (rewardModel.Score(Conversations(p => p.Chosen)), rewardModel.Score(Conversations(p => p.Rejected)));
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
}
