using System.Text.Json;
using Grpc.Core;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Filter.V1;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Orchestrator.Reporting;
using OnlyPrompt.Orchestrator.Reuse;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Sampler.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;
using OnlyPrompt.Trainer.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>
/// Runs one planned stage of a run by calling the service that does it; returns the stage's record, not yet committed.
/// A stage with a key (every stage but prepare, which records the given data, the report and a round without pairs) is
/// computed once across runs: a committed stage of any run with the same key is taken by reference instead
/// (<see cref="SharedStages"/>), unless the spec says no_reuse.
/// </summary>
public sealed class StageRunner(ServiceClients clients, RetryingCalls calls, HeadToHead headToHead, RunReport reports, BlobStore store,
    Datasets datasets, SharedStages shared)
{
    public const string Container = StorageLayout.DefaultContainer;

    public async Task<StageRecord> RunAsync(Run run, PlannedStage stage, Action<StageProgress> progress, CancellationToken cancellation)
    {
        var spec = run.Spec;
        var record = stage.Kind switch
        {
            StageKind.Prepare => RunInputs.Record(spec.Given),
            StageKind.Initialise => await InitialiseAsync(run, stage, cancellation),
            StageKind.Sft => await TrainAsync(run, stage, RunInputs.SftFiles(run.Stages.First(s => s.Name == StageNames.Prepare)),
                new TrainRequest { Sft = new Trainer.V1.SftObjective(), Training = spec.Sft.Clone() }, progress, cancellation),
            StageKind.Offline => await TrainAsync(run, stage, [File(run, StageNames.Prepare, RunInputs.Preferences)],
                new TrainRequest { Preference = new PreferenceObjective { Loss = spec.Offline.Loss }, Training = spec.Offline.Training },
                progress, cancellation),
            StageKind.TrainRound when KeptNoPairs(run, stage.Round) => NothingToTrain(),
            StageKind.TrainRound => await TrainAsync(run, stage, [File(run, StageNames.Filter(stage.Round), StageFiles.Kept)],
                new TrainRequest
                {
                    Preference = RoundObjective(run, stage.Round), Training = spec.Rounds[stage.Round - 1].Train.Training,
                    Reference = RoundReference(run),
                },
                progress, cancellation),
            StageKind.Sample => await SampleAsync(run, stage, progress, cancellation),
            StageKind.Filter => await FilterAsync(run, stage, cancellation),
            StageKind.Evaluate => await EvaluateAsync(run, stage, cancellation),
            StageKind.Report => await reports.WriteAsync(run, Container, cancellation),
            _ => throw new ArgumentOutOfRangeException(nameof(stage), stage.Kind, null),
        };
        record.Name = stage.Name;
        record.Round = stage.Round;
        return record;
    }

    private async Task<StageRecord> InitialiseAsync(Run run, PlannedStage stage, CancellationToken cancellation)
    {
        var request = new InitialiseModelRequest
        {
            Config = run.Spec.Given.BaseModel, Seed = run.Spec.Given.BaseModelWeightSeed,
            OutputContainer = Container, OutputPrefix = StorageLayout.RunFile(run.RunId, $"{StageFolder(stage)}/checkpoint"),
        };
        return await OnceAsync(run, stage, [request], async token => new StageRecord
        {
            Checkpoint = (await calls.CallAsync($"{run.RunId} {stage.Name}",
                (deadline, call) => clients.Trainer.InitialiseModelAsync(request, deadline: deadline, cancellationToken: call).ResponseAsync, token))
                .Checkpoint,
        }, cancellation);
    }

    private async Task<StageRecord> TrainAsync(Run run, PlannedStage stage, IEnumerable<BlobRef> datasets, TrainRequest request,
        Action<StageProgress> progress,
        CancellationToken cancellation)
    {
        request.JobId = $"{run.RunId}.{stage.Name.Replace('/', '.')}";
        request.Policy = Policy(run);
        request.Datasets.AddRange(datasets);
        request.OutputContainer = Container;
        request.OutputPrefix = StorageLayout.RunFile(run.RunId, $"{StageFolder(stage)}/checkpoint");
        if (stage.Kind == StageKind.Sft)
            request.Training.Seed = run.Spec.Seed;
        return await OnceAsync(run, stage, [request], token => TrainAsync(run, stage, request, progress, token), cancellation);
    }

    private async Task<StageRecord> TrainAsync(Run run, PlannedStage stage, TrainRequest request, Action<StageProgress> progress,
        CancellationToken cancellation)
    {
        var curve = new SortedDictionary<long, IDictionary<string, double>>(); // by step; a retried job reports its steps again
        var result = await calls.CallAsync($"{run.RunId} {stage.Name}", async (deadline, token) =>
        {
            using var call = clients.Trainer.Train(request, deadline: deadline, cancellationToken: token);
            await foreach (var item in call.ResponseStream.ReadAllAsync(token))
            {
                if (item.EventCase == TrainEvent.EventOneofCase.Result)
                    return item.Result;
                curve[item.Progress.Progress.Done] = item.Progress.Metrics;
                progress(new StageProgress { Stage = stage.Name, Progress = item.Progress.Progress, Metrics = { item.Progress.Metrics } });
            }
            throw new RpcException(new Status(StatusCode.Unavailable, "the trainer's stream ended without a result."));
        }, cancellation);
        var record = new StageRecord { Checkpoint = result.Checkpoint, Metrics = { result.Metrics } };
        foreach (var name in curve.Values.SelectMany(m => m.Keys).Distinct().ToList())
            record.Metrics[$"mean/{name}"] = curve.Values.Where(m => m.ContainsKey(name)).Average(m => m[name]);
        var points = JsonSerializer.Serialize(curve.Select(p => new TrainingPoint(p.Key, p.Value.ToDictionary())).ToList());
        var curveFile = StorageLayout.RunFile(run.RunId, $"{StageFolder(stage)}/training.json");
        record.Files[RunReport.TrainingCurveFile] = (await store.UploadTextAsync(Container, curveFile, points, cancellation)).ToContract();
        record.Metrics[StageMetrics.Steps] = result.Steps;
        record.Metrics[StageMetrics.TokensPerSecond] = result.TokensPerSecond;
        return record;
    }

    private async Task<StageRecord> SampleAsync(Run run, PlannedStage stage, Action<StageProgress> progress, CancellationToken cancellation)
    {
        var spec = run.Spec;
        if (spec.StopWithoutPrefixGap && run.Stages.LastOrDefault(s =>
            s.Evaluation is not null) is { Evaluation.PrefixGapWarning.Length: > 0 } before)
            throw new StageFailedException(
                $"stopped before round {stage.Round} (stop_without_prefix_gap), after {before.Name}: {before.Evaluation.PrefixGapWarning}");
        var sampling = spec.Sampling.Clone();
        sampling.Seed = spec.Seed * 1000L + stage.Round;
        var request = new SamplePairsRequest
        {
            Policy = Policy(run), Prompts = File(run, StageNames.Prepare, RunInputs.Prompts), Templates = spec.Templates,
            RejectedScore = RejectedScores.For(run, stage.Round), SelfJudge = spec.Rounds[stage.Round - 1].SelfJudge, Sampling = sampling,
            IdPrefix = $"r{stage.Round}", Round = stage.Round,
            OutputContainer = Container, OutputName = StorageLayout.RunFile(run.RunId, $"{StageFolder(stage)}/pairs.jsonl"),
        };
        return await OnceAsync(run, stage, [request], token => SampleAsync(run, stage, request, progress, token), cancellation);
    }

    private async Task<StageRecord> SampleAsync(Run run, PlannedStage stage, SamplePairsRequest request, Action<StageProgress> progress,
        CancellationToken cancellation)
    {
        var result = await calls.CallAsync($"{run.RunId} {stage.Name}", async (deadline, token) =>
        {
            using var call = clients.Sampler.SamplePairs(request, deadline: deadline, cancellationToken: token);
            await foreach (var item in call.ResponseStream.ReadAllAsync(token))
            {
                if (item.EventCase == SamplePairsEvent.EventOneofCase.Result)
                    return item.Result;
                progress(new StageProgress { Stage = stage.Name, Progress = item.Progress });
            }
            throw new RpcException(new Status(StatusCode.Unavailable, "the sampler's stream ended without a result."));
        }, cancellation);
        var record = new StageRecord { Files = { [StageFiles.Pairs] = result.Pairs } };
        record.Metrics[StageMetrics.Pairs] = result.Count;
        if (request.SelfJudge is null)
            record.Metrics[StageMetrics.RejectedScore] = request.RejectedScore;
        else
        {
            foreach (var (grade, count) in result.JudgeGrades)
                record.Metrics[$"judge/grade_{grade}"] = count;
            record.Metrics["judge/unjudged"] = result.Unjudged;
            record.Metrics["judge/unpaired"] = result.Unpaired;
        }
        record.Metrics[StageMetrics.TokensPerSecond] = result.TokensPerSecond;
        return record;
    }

    private async Task<StageRecord> FilterAsync(Run run, PlannedStage stage, CancellationToken cancellation)
    {
        var request = new FilterPairsRequest
        {
            Pairs = File(run, StageNames.Sample(stage.Round), StageFiles.Pairs), Settings = run.Spec.Filter ?? new FilterSettings(),
            OutputContainer = Container, OutputName = StorageLayout.RunFile(run.RunId, $"{StageFolder(stage)}/kept.jsonl"),
        };
        var answers = run.Stages.First(s => s.Name == StageNames.Prepare).Files.GetValueOrDefault(RunInputs.RoundAnswers);
        var rewardModel = run.Spec.Evaluation?.RewardModel;
        return await OnceAsync(run, stage, [request, answers, rewardModel],
            token => FilterAsync(run, stage, request, answers, rewardModel, token), cancellation);
    }

    private async Task<StageRecord> FilterAsync(Run run, PlannedStage stage, FilterPairsRequest request, BlobRef? answers, CheckpointRef? rewardModel,
        CancellationToken cancellation)
    {
        var response = await calls.CallAsync($"{run.RunId} {stage.Name}",
            (deadline, token) => clients.Filter.FilterPairsAsync(request, deadline: deadline, cancellationToken: token).ResponseAsync, cancellation);
        var record = new StageRecord { Files = { [StageFiles.Kept] = response.Kept }, Removed = { response.Removed } };
        record.Metrics[StageMetrics.Kept] = response.KeptCount;
        if (answers is not null)
        {
            var truth = (await datasets.ReadAsync<OnlyPrompt.Method.Data.EvalRecord>(answers, cancellation)).Where(a => a.Answer is not null)
                .GroupBy(a => a.Prompt).ToDictionary(g => g.Key, g => g.First().Answer!);
            await AddPairQualityAsync(record, "pairs", response.Kept, truth, cancellation);
            await AddPairQualityAsync(record, "pairs/sampled", request.Pairs, truth, cancellation);
        }
        if (rewardModel is not null && response.KeptCount > 0)
            await AddPairRewardsAsync(run, stage, record, rewardModel, response.Kept, cancellation);
        return record;
    }

    // The paper's Figure 4 as it drew it: a reward model's scores of the kept chosen and rejected answers, round by round.
    private async Task AddPairRewardsAsync(Run run, PlannedStage stage, StageRecord record, CheckpointRef rewardModel, BlobRef kept,
        CancellationToken cancellation)
    {
        var request = new ScorePairsRequest { RewardModel = rewardModel, Pairs = kept };
        var scored = await calls.CallAsync($"{run.RunId} {stage.Name} (reward model)",
            (deadline, token) => clients.Evaluator.ScorePairsAsync(request, deadline: deadline,
                cancellationToken: token).ResponseAsync, cancellation);
        record.Metrics["pairs/chosen_reward"] = scored.Chosen.Mean;
        record.Metrics["pairs/rejected_reward"] = scored.Rejected.Mean;
        record.Metrics["pairs/chosen_reward_better"] = scored.ChosenBetter;
    }

    // The paper's Figure 4 in miniature: how good the kept chosen and rejected answers really were ("pairs/..."), and
    // all the sampled ones ("pairs/sampled/..."): the filter drops pairs with identical answers, mostly easy prompts, so
    // the kept answers' quality falls with a rising rejected score even where the policy's answers do not. Measured after
    // the filter, from true answers the rounds never see; nothing here feeds back into training.
    private async Task AddPairQualityAsync(StageRecord record, string prefix, BlobRef pairsFile, IReadOnlyDictionary<string, string> truth,
        CancellationToken cancellation)
    {
        var pairs = (await datasets.ReadAsync<OnlyPrompt.Method.Filtering.SampledPair>(pairsFile, cancellation))
            .Where(p => truth.ContainsKey(p.Prompt)).ToList();
        if (pairs.Count == 0)
            return;
        var scored = pairs.Select(p => (Chosen: ExactScorer.Quality(truth[p.Prompt], p.Chosen),
            Rejected: ExactScorer.Quality(truth[p.Prompt], p.Rejected)))
            .ToList();
        record.Metrics[$"{prefix}/chosen_quality"] = scored.Average(s => s.Chosen);
        record.Metrics[$"{prefix}/rejected_quality"] = scored.Average(s => s.Rejected);
        record.Metrics[$"{prefix}/chosen_better"] = scored.Count(s => s.Chosen > s.Rejected) / (double)scored.Count;
        record.Metrics[$"{prefix}/chosen_worse"] = scored.Count(s => s.Chosen < s.Rejected) / (double)scored.Count;
    }

    private async Task<StageRecord> EvaluateAsync(Run run, PlannedStage stage, CancellationToken cancellation)
    {
        var spec = run.Spec;
        var withProbe = spec.Evaluation.CalibrationPrompts > 0;
        var evaluated = run.Stages.Where(s => s.Evaluation is not null).ToList();
        var sft = evaluated.FirstOrDefault(s => s.Name == StageNames.SftEvaluate);
        // A pairwise judge compares with the SFT model's answers, so the SFT evaluation itself is not judged.
        var sftReport = sft?.Files.GetValueOrDefault(StageFiles.Report);
        // As the primary scorer a pairwise judge compares with the eval set's references, so it judges every evaluation.
        var primaryJudge = spec.Evaluation.Scorer == Scorer.Judge;
        var judge = !primaryJudge && spec.Evaluation.Judge is { Mode: not JudgeMode.Rating } && sftReport is null ? null : spec.Evaluation.Judge;
        var request = new EvaluateRequest
        {
            Model = Policy(run), EvalSet = File(run, StageNames.Prepare, RunInputs.Eval),
            Scorer = spec.Evaluation.Scorer == Scorer.Unspecified ? Scorer.Exact : spec.Evaluation.Scorer,
            MaxNewTokens = spec.Evaluation.MaxNewTokens, BatchSize = spec.Evaluation.BatchSize,
            CalibrationPrompts = withProbe ? spec.Evaluation.CalibrationPrompts : 0,
            CalibrationTemplate = withProbe ? RejectedPrefix(spec) : "",
            LeakPatterns = { spec.Filter?.LeakPatterns ?? [] }, PromptPrefix = spec.Evaluation.InferencePrefix,
                RewardModel = spec.Evaluation.RewardModel,
            Judge = judge, BaselineReport = judge is null || primaryJudge ? null : sftReport,
            GapPrefix = spec.Evaluation.PrefixGapEveryStage || NextRoundUsesPrefixes(spec, stage) ? ChosenPrefix(spec) : "",
            OutputContainer = Container, OutputName = StorageLayout.RunFile(run.RunId, $"{StageFolder(stage)}/eval.json"),
        };
        // Head to head with the SFT model and with the previous evaluated model, on the same prompts.
        var baselines = new List<(string, StageRecord)>();
        if (sft is not null)
            baselines.Add(("sft", sft));
        // The previous model is the one this stage's model started from: a model not adopted (keep_better_model) is skipped.
        if (evaluated.LastOrDefault(s => s.Metrics.GetValueOrDefault(StageMetrics.Adopted, 1) != 0) is { } previous)
            baselines.Add(("previous", previous));
        object?[] inputs =
        [
            request, stage.Round > 0, spec.KeepBetterModel,
            .. baselines.SelectMany(b => new object?[] { b.Item1, b.Item2.Files.GetValueOrDefault(StageFiles.Report) }),
        ];
        return await OnceAsync(run, stage, inputs, token => EvaluateAsync(run, stage, request, judge, baselines, token), cancellation);
    }

    private async Task<StageRecord> EvaluateAsync(Run run, PlannedStage stage, EvaluateRequest request, JudgeSettings? judge,
        List<(string, StageRecord)> baselines,
        CancellationToken cancellation)
    {
        var spec = run.Spec;
        var response = await calls.CallAsync($"{run.RunId} {stage.Name}",
            (deadline, token) => clients.Evaluator.EvaluateAsync(request, deadline: deadline, cancellationToken: token).ResponseAsync, cancellation);
        var record = new StageRecord { Name = stage.Name, Evaluation = response, Files = { [StageFiles.Report] = response.Report } };
        record.Metrics["quality"] = response.MeanQuality;
        await headToHead.AddAsync(record, baselines, cancellation);
        // A round is judged against its reference, the model it started from.
        if (stage.Round > 0 && record.Metrics.TryGetValue("score_difference/previous/high", out var high) && high < 0)
        {
            record.Metrics[StageMetrics.WorseThanReference] = 1;
            record.Metrics[StageMetrics.Adopted] = spec.KeepBetterModel ? 0 : 1;
        }
        record.Metrics["words"] = response.MeanWords;
        if (response.PrefixGap is not null)
        {
            record.Metrics[StageMetrics.PrefixGap] = response.PrefixGap.Mean;
            record.Metrics[$"{StageMetrics.PrefixGap}/low"] = response.PrefixGap.Low;
            record.Metrics[$"{StageMetrics.PrefixGap}/high"] = response.PrefixGap.High;
        }
        if (response.Reward is not null)
            record.Metrics["reward"] = response.Reward.Mean;
        if (judge is not null)
        {
            record.Metrics["judge/unreadable"] = response.JudgeUnreadable;
            if (response.JudgeRating is not null)
                record.Metrics["judge/rating"] = response.JudgeRating.Mean;
            if (response.JudgeLcWinRate is not null)
            {
                record.Metrics["judge/win_rate/sft"] = response.JudgeWinRate;
                record.Metrics["judge/lc_win_rate/sft"] = response.JudgeLcWinRate.Mean;
            }
        }
        return record;
    }

    private async Task<StageRecord> OnceAsync(Run run, PlannedStage stage, object?[] inputs, Func<CancellationToken, Task<StageRecord>> compute,
        CancellationToken cancellation)
    {
        var key = StageKey.For(stage.Kind, inputs);
        var record = run.Spec.NoReuse ? await compute(cancellation)
            : await shared.ComputeOnceAsync(key, new StageOrigin { RunId = run.RunId, Stage = stage.Name }, compute, cancellation);
        record.Key = key;
        return record;
    }

    private static string ChosenPrefix(RunSpec spec) =>
        spec.Templates is { Chosen.Length: > 0 } templates ? templates.Chosen : OnlyPrompt.Method.Data.PromptTemplates.DefaultChosen;

    private static string RejectedPrefix(RunSpec spec) =>
        spec.Templates is { Rejected.Length: > 0 } templates ? templates.Rejected : OnlyPrompt.Method.Data.PromptTemplates.DefaultRejected;

    private static PreferenceObjective RoundObjective(Run run, int round)
    {
        var (spec, settings) = (run.Spec, run.Spec.Rounds[round - 1]);
        return new PreferenceObjective
        {
            Loss = settings.Train.Loss,
            NllInstructionPrefix = settings.NllAfterChosenPrefix ? ChosenPrefix(spec) : "",
            // The probe reads each answer after the prefix it was sampled with; a self-judge's pairs had none.
            LikelihoodProbe = spec.LikelihoodProbe && settings.SelfJudge is null ? new LikelihoodProbe
            {
                Templates = new PromptTemplates { Chosen = ChosenPrefix(spec), Rejected = RejectedPrefix(spec) },
                RejectedScore = RejectedScores.For(run, round),
            } : null,
        };
    }

    // Null: the policy as the round starts (pi_{m-1}); with ROUND_REFERENCE_INITIAL, the model the first round started
    // from, unless that is the policy (round 1), so that round shares its stage with the method's.
    private static CheckpointRef? RoundReference(Run run)
    {
        if (run.Spec.RoundReference != V1.RoundReference.Initial)
            return null;
        var initial = run.Stages.Last(s => s.Round == 0 && s.Checkpoint is not null).Checkpoint;
        return initial.Equals(Policy(run)) ? null : initial;
    }

    // The premise is measured on the policy a prefix-labelled round is about to sample from: the evaluation just before it.
    private static bool NextRoundUsesPrefixes(RunSpec spec, PlannedStage stage)
    {
        var plan = RunPlan.For(spec);
        var next = plan.SkipWhile(s => s.Name != stage.Name).Skip(1).FirstOrDefault();
        return next is { Kind: StageKind.Sample } && spec.Rounds[next.Round - 1].SelfJudge is null;
    }

    private static bool KeptNoPairs(Run run, int round) =>
        run.Stages.FirstOrDefault(s => s.Name == StageNames.Filter(round)) is { } filter && filter.Metrics.GetValueOrDefault(StageMetrics.Kept) == 0;

    // A round without pairs (a self-judge that graded every answer alike, say) trains nothing: it commits no checkpoint,
    // so the round's evaluation and the next round use the previous model, and the record says why.
    private static StageRecord NothingToTrain() => new() { Metrics = { [StageMetrics.Steps] = 0, [StageMetrics.NoPairs] = 1 } };

    /// <summary>
    /// The model the next stage works on: the newest checkpoint, except that with keep_better_model a round judged worse
    /// than its reference hands the reference on instead.
    /// </summary>
    public static CheckpointRef Policy(Run run)
    {
        CheckpointRef? current = null, reference = null;
        foreach (var stage in run.Stages)
        {
            if (stage.Checkpoint is not null)
                (reference, current) = (current, stage.Checkpoint);
            if (stage.Metrics.GetValueOrDefault(StageMetrics.Adopted, 1) == 0 && reference is not null)
                current = reference;
        }
        return current ?? throw new StageFailedException("no checkpoint has been committed yet (the prepare stage is missing).");
    }

    private static BlobRef File(Run run, string stage, string role) =>
        run.Stages.FirstOrDefault(s => s.Name == stage)?.Files.GetValueOrDefault(role)
        ?? throw new StageFailedException($"stage {stage} has committed no '{role}' file.");

    // "round-1/train" writes under runs/{run}/round-1/, "sft" under runs/{run}/sft/.
    private static string StageFolder(PlannedStage stage) => stage.Round > 0 ? StageNames.RoundFolder(stage.Round) : stage.Name.Split('/')[0];
}

/// <summary>A stage cannot succeed (no point retrying); the run is marked failed with this message.</summary>
public sealed class StageFailedException(string message) : Exception(message);
