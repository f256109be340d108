using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Orchestrator;

/// <summary>
/// Checks a RunSpec field by field; every problem is named by its path, and given blobs must exist with the hash they are referenced by.
/// </summary>
public sealed class RunSpecValidation(BlobStore store)
{
    public async Task ValidateAsync(RunSpec? spec, CancellationToken cancellation)
    {
        var errors = new FieldErrors();
        if (spec is null)
        {
            errors.Check(false, "spec", "is required.").ThrowIfAny();
            return;
        }
        errors.Check(spec.Given is not null, "spec.given",
            "is required: the base model and data in blob storage (onlyprompt run uploads local files and the default world's presets).");
        if (spec.Given is not null)
            await CheckGivenAsync(spec, errors, cancellation);
        if (spec.Sft is not null)
            errors.Training(spec.Sft, "spec.sft");
        if (spec.Offline is not null)
            errors.Loss(spec.Offline.Loss, "spec.offline.loss").Training(spec.Offline.Training, "spec.offline.training");
        errors.Check(spec.Rounds.Count > 0 || spec.Offline is not null || spec.Sft is not null, "spec.rounds", "the run has no training stage.");
        for (var i = 0; i < spec.Rounds.Count; i++)
            CheckRound(spec, i, errors);
        if (spec.Rounds.Count > 0)
            errors.Sampling(spec.Sampling, "spec.sampling").Templates(spec.Templates, "spec.templates");
        if (spec.AdaptiveGap is not null)
            CheckAdaptiveGap(spec, errors);
        errors.Check(spec.Evaluation is not null, "spec.evaluation", "is required.");
        if (spec.Evaluation is not null)
            await CheckEvaluationAsync(spec.Evaluation, errors, cancellation);
        if (spec.Filter is not null)
            errors.Check(spec.Filter.MinWords >= 0 && spec.Filter.MaxWords >= 0, "spec.filter", "min_words and max_words must be >= 0.");
        errors.ThrowIfAny();
    }

    private static void CheckRound(RunSpec spec, int i, FieldErrors errors)
    {
        var round = spec.Rounds[i];
        errors.Problem($"spec.rounds[{i}].rejected_score", OnlyPrompt.Method.Data.PromptTemplates.RejectedScoreProblem(round.RejectedScore));
        if (spec.RequireIncreasingSchedule && i > 0)
            errors.Check(round.RejectedScore > spec.Rounds[i - 1].RejectedScore, $"spec.rounds[{i}].rejected_score",
                $"is {round.RejectedScore}, not above the previous round's {spec.Rounds[i - 1].RejectedScore} " +
                "(require_increasing_schedule is set).");
        if (round.SelfJudge is not null)
            errors.SelfJudge(round.SelfJudge, $"spec.rounds[{i}].self_judge");
        errors.Check(round.Train is not null, $"spec.rounds[{i}].train", "is required.");
        if (round.Train is not null)
            errors.Loss(round.Train.Loss, $"spec.rounds[{i}].train.loss").Training(round.Train.Training, $"spec.rounds[{i}].train.training");
        errors.Check(!round.NllAfterChosenPrefix || round.Train?.Loss?.ChosenNllWeight > 0, $"spec.rounds[{i}].nll_after_chosen_prefix",
            "is set, but train.loss.chosen_nll_weight is 0: there is no NLL term to train after the chosen prefix.");
        errors.Check(!round.NllAfterChosenPrefix || round.SelfJudge is null, $"spec.rounds[{i}].nll_after_chosen_prefix",
            "is set on a self_judge round, whose chosen answers were not asked for with the chosen prefix.");
    }

    private static void CheckAdaptiveGap(RunSpec spec, FieldErrors errors)
    {
        var adaptive = spec.AdaptiveGap;
        errors.Check(adaptive.Step >= 1, "spec.adaptive_gap.step", $"is {adaptive.Step}; it must be at least 1.")
            .Check(adaptive.AccuracyThreshold is > 0 and <= 1, "spec.adaptive_gap.accuracy_threshold",
                $"is {adaptive.AccuracyThreshold}; it must be in (0, 1].")
            .Check(adaptive.MaxScore is >= 1 and <= OnlyPrompt.Method.Data.PromptTemplates.HighestRejectedScore, "spec.adaptive_gap.max_score",
                $"is {adaptive.MaxScore}; it must be in 1..{OnlyPrompt.Method.Data.PromptTemplates.HighestRejectedScore}.")
            .Check(!spec.RequireIncreasingSchedule, "spec.require_increasing_schedule",
                "must be false with adaptive_gap, which may keep a score.");
    }

    private async Task CheckEvaluationAsync(EvaluationSpec evaluation, FieldErrors errors, CancellationToken cancellation)
    {
        errors.Check(evaluation.MaxNewTokens > 0, "spec.evaluation.max_new_tokens", $"is {evaluation.MaxNewTokens}; it must be positive.")
            .Check(evaluation.CalibrationPrompts >= 0, "spec.evaluation.calibration_prompts", "must be >= 0.");
        if (evaluation.Judge is not null)
            errors.Judge(evaluation.Judge, "spec.evaluation.judge");
        if (evaluation.RewardModel is not null)
            await CheckCheckpointAsync(evaluation.RewardModel, "spec.evaluation.reward_model", errors, cancellation);
        errors.Check(evaluation.Scorer is Scorer.Unspecified or Scorer.Exact or Scorer.RewardModel or Scorer.Judge, "spec.evaluation.scorer",
                $"is {evaluation.Scorer}; supported: SCORER_EXACT, SCORER_REWARD_MODEL, SCORER_JUDGE.")
            .Check(evaluation.Scorer != Scorer.RewardModel || evaluation.RewardModel is not null, "spec.evaluation.scorer",
                "is SCORER_REWARD_MODEL, so spec.evaluation.reward_model is required.")
            .Check(evaluation.Scorer != Scorer.Judge || evaluation.Judge is not null, "spec.evaluation.scorer",
                "is SCORER_JUDGE, so spec.evaluation.judge is required.");
    }

    private async Task CheckGivenAsync(RunSpec spec, FieldErrors errors, CancellationToken cancellation)
    {
        var given = spec.Given;
        await CheckCheckpointAsync(given.BaseModel, "spec.given.base_model", errors, cancellation);
        errors.Check(spec.Sft is null || given.SftData.Count > 0, "spec.given.sft_data", "is required when spec.sft is set.");
        for (var i = 0; i < given.SftData.Count; i++)
            await CheckBlobAsync(given.SftData[i], $"spec.given.sft_data[{i}]", errors, cancellation);
        if (spec.Offline is not null)
            await CheckBlobAsync(given.PreferenceData, "spec.given.preference_data", errors, cancellation);
        if (spec.Rounds.Count > 0)
            await CheckBlobAsync(given.Prompts, "spec.given.prompts", errors, cancellation);
        await CheckBlobAsync(given.EvalSet, "spec.given.eval_set", errors, cancellation);
        if (given.RoundAnswers is not null)
            await CheckBlobAsync(given.RoundAnswers, "spec.given.round_answers", errors, cancellation);
    }

    private async Task CheckCheckpointAsync(Common.V1.CheckpointRef? checkpoint, string field, FieldErrors errors, CancellationToken cancellation)
    {
        errors.Checkpoint(checkpoint, field);
        if (checkpoint is not { Container.Length: > 0, Prefix.Length: > 0 })
            return;
        var index = await store.TryDescribeAsync(checkpoint.Container, $"{checkpoint.Prefix}/{BlobStore.CheckpointIndexFile}", cancellation);
        errors.Check(index is not null, field, $"no checkpoint index at {checkpoint.Container}/{checkpoint.Prefix}/{BlobStore.CheckpointIndexFile}.");
        errors.Check(index is null || index.Sha256 == checkpoint.Sha256, $"{field}.sha256", $"does not match the stored index ({index?.Sha256}).");
    }

    private async Task CheckBlobAsync(Common.V1.BlobRef? reference, string field, FieldErrors errors, CancellationToken cancellation)
    {
        errors.Blob(reference, field);
        if (reference is not { Container.Length: > 0, Name.Length: > 0 })
            return;
        var stored = await store.TryDescribeAsync(reference.Container, reference.Name, cancellation);
        errors.Check(stored is not null, field, $"blob {reference.Container}/{reference.Name} does not exist.");
        errors.Check(stored is null || stored.Sha256 == reference.Sha256, field + ".sha256", $"does not match the stored blob ({stored?.Sha256}).");
    }
}
