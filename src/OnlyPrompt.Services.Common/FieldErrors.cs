using OnlyPrompt.Common.V1;

namespace OnlyPrompt.Services;

/// <summary>
/// Request validation that names the offending field by its path in the request (e.g. <c>rounds[1].rejected_score</c>);
/// the service boundary turns the exception into gRPC's InvalidArgument.
/// </summary>
public sealed class FieldErrors
{
    private readonly List<string> errors = [];

    public FieldErrors Check(bool valid, string field, string problem)
    {
        if (!valid)
            errors.Add($"{field}: {problem}");
        return this;
    }

    /// <summary>Adds <paramref name="problem"/> when there is one (a rule's own check returned it).</summary>
    public FieldErrors Problem(string field, string? problem) => problem is null ? this : Check(false, field, problem);

    public FieldErrors Blob(BlobRef? reference, string field)
    {
        Check(reference is not null, field, "is required.");
        if (reference is not null)
            Check(reference.Container.Length > 0 && reference.Name.Length > 0 && reference.Sha256.Length == 64, field,
                "needs container, name and a 64-digit sha256.");
        return this;
    }

    public FieldErrors Checkpoint(CheckpointRef? reference, string field)
    {
        Check(reference is not null, field, "is required.");
        if (reference is not null)
            Check(reference.Container.Length > 0 && reference.Prefix.Length > 0 && reference.Sha256.Length == 64, field,
                "needs container, prefix and a 64-digit sha256.");
        return this;
    }

    /// <summary>Where a call writes: <c>output_container</c> and <paramref name="nameField"/> (<c>output_name</c> or <c>output_prefix</c>).</summary>
    public FieldErrors Output(string container, string name, string nameField = "output_name") =>
        Check(container.Length > 0, "output_container", "is required.").Check(name.Length > 0, nameField, "is required.");

    public FieldErrors Sampling(SamplingSettings? sampling, string field)
    {
        Check(sampling is not null, field, "is required.");
        if (sampling is null)
            return this;
        return Check(sampling.MaxNewTokens > 0, field + ".max_new_tokens", $"is {sampling.MaxNewTokens}; it must be positive.")
            .Check(sampling.Temperature >= 0 && double.IsFinite(sampling.Temperature), field + ".temperature", $"is {sampling.Temperature}; it must be >= 0.")
            .Check(sampling.TopP is > 0 and <= 1, field + ".top_p", $"is {sampling.TopP}; it must be in (0, 1].")
            .Check(sampling.TopK >= 0, field + ".top_k", $"is {sampling.TopK}; it must be >= 0.")
            .Check(sampling.BatchSize >= 0, field + ".batch_size", $"is {sampling.BatchSize}; it must be >= 0 (0: the default).");
    }

    public FieldErrors Training(TrainingSettings? training, string field)
    {
        Check(training is not null, field, "is required.");
        if (training is null)
            return this;
        return Check(training.LearningRate > 0 && double.IsFinite(training.LearningRate), field + ".learning_rate", $"is {training.LearningRate}; it must be > 0.")
            .Check(training.Epochs > 0, field + ".epochs", $"is {training.Epochs}; it must be positive.")
            .Check(training.TokensPerBatch > 0, field + ".tokens_per_batch", $"is {training.TokensPerBatch}; it must be positive.")
            .Check(training.WarmupSteps >= 0, field + ".warmup_steps", $"is {training.WarmupSteps}; it must be >= 0.")
            .Check(training.MinLearningRateRatio is >= 0 and <= 1, field + ".min_learning_rate_ratio", $"is {training.MinLearningRateRatio}; it must be in [0, 1].")
            .Check(training.MaxGradNorm >= 0, field + ".max_grad_norm", $"is {training.MaxGradNorm}; it must be >= 0.")
            .Check(training.WeightDecay >= 0, field + ".weight_decay", $"is {training.WeightDecay}; it must be >= 0.")
            .Lora(training.Lora, field + ".lora");
    }

    private FieldErrors Lora(Common.V1.LoraSettings? lora, string field)
    {
        if (lora is null)
            return this;
        return Check(lora.Rank >= 1, field + ".rank", $"is {lora.Rank}; it must be at least 1.")
            .Check(lora.Alpha > 0 && double.IsFinite(lora.Alpha), field + ".alpha", $"is {lora.Alpha}; it must be > 0.")
            .Check(lora.Dropout is >= 0 and < 1, field + ".dropout", $"is {lora.Dropout}; it must be in [0, 1).")
            .Check(lora.TargetModules.All(Settings.LoraSettings.AllProjections.Contains), field + ".target_modules",
                $"is [{string.Join(", ", lora.TargetModules)}]; each must be one of {string.Join(", ", Settings.LoraSettings.AllProjections)}.");
    }

    public FieldErrors Loss(LossSettings? loss, string field)
    {
        Check(loss is not null, field, "is required.");
        if (loss is null)
            return this;
        return Check(loss.Loss != PreferenceLoss.Unspecified, field + ".loss", "is required.")
            .Check(loss.Beta > 0 && double.IsFinite(loss.Beta), field + ".beta", $"is {loss.Beta}; it must be > 0.")
            .Check(loss.Gamma >= 0, field + ".gamma", $"is {loss.Gamma}; it must be >= 0.")
            .Check(loss.LabelSmoothing is >= 0 and < 0.5, field + ".label_smoothing", $"is {loss.LabelSmoothing}; it must be in [0, 0.5).")
            .Check(loss.Alpha >= 0 && loss.Lambda >= 0 && loss.Delta >= 0, field, "alpha, lambda and delta must be >= 0.")
            .Check(loss.ChosenNllWeight >= 0 && double.IsFinite(loss.ChosenNllWeight), field + ".chosen_nll_weight", $"is {loss.ChosenNllWeight}; it must be >= 0.")
            .Check(loss.ChosenPenaltyWeight >= 0 && double.IsFinite(loss.ChosenPenaltyWeight), field + ".chosen_penalty_weight",
                $"is {loss.ChosenPenaltyWeight}; it must be >= 0.")
            .Check(loss.ChosenPenaltyWeight == 0 || loss.Loss == PreferenceLoss.Dpo, field + ".chosen_penalty_weight",
                $"is {loss.ChosenPenaltyWeight}; DPOP's penalty applies to PREFERENCE_LOSS_DPO only, not {loss.Loss}.");
    }

    public FieldErrors Templates(PromptTemplates? templates, string field)
    {
        Check(templates is not null, field, "is required.");
        if (templates is null)
            return this;
        return Check(!string.IsNullOrWhiteSpace(templates.Chosen), field + ".chosen", "is empty.")
            .Check(Method.Data.PromptTemplates.HasScorePlaceholder(templates.Rejected), field + ".rejected",
                $"must contain {Method.Data.PromptTemplates.ScorePlaceholder}, where the rejected score goes.");
    }

    public FieldErrors SelfJudge(Sampler.V1.SelfJudgeSettings judge, string field) =>
        Check(judge.SamplesPerPrompt is >= 2 and <= 16, field + ".samples_per_prompt", $"is {judge.SamplesPerPrompt}; it must be in 2..16.")
            .Check(judge.JudgeTemplate.Contains("{i}", StringComparison.Ordinal) && judge.JudgeTemplate.Contains("{r}", StringComparison.Ordinal),
                field + ".judge_template", "must contain {i} (the instruction) and {r} (the response).");

    public FieldErrors Judge(Evaluator.V1.JudgeSettings judge, string field) =>
        Check(Uri.TryCreate(judge.BaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https", field + ".base_url", $"'{judge.BaseUrl}' is not an http(s) URL.")
            .Check(judge.Model.Length > 0, field + ".model", "is required.")
            .Check(judge.Mode != Evaluator.V1.JudgeMode.Unspecified, field + ".mode", "is required.")
            .Check(judge.MaxTokens >= 0 && judge.Concurrency >= 0, field, "max_tokens and concurrency must be >= 0.");

    /// <summary>Throws one <see cref="InvalidFieldsException"/> listing every problem found, if any.</summary>
    public void ThrowIfAny()
    {
        if (errors.Count > 0)
            throw new InvalidFieldsException(errors);
    }
}
