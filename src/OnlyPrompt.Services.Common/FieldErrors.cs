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

    /// <summary>Adds each broken rule of a settings record, named by its field under <paramref name="field"/>.</summary>
    public FieldErrors Settings(IEnumerable<Settings.SettingProblem> problems, string field)
    {
        foreach (var problem in problems)
            Check(false, $"{field}.{problem.Field}", problem.Problem);
        return this;
    }

    public FieldErrors Sampling(SamplingSettings? sampling, string field)
    {
        Check(sampling is not null, field, "is required.");
        if (sampling is null)
            return this;
        return Settings(sampling.ToOptions().Problems(), field)
            .Check(sampling.BatchSize >= 0, field + ".batch_size", $"is {sampling.BatchSize}; it must be >= 0 (0: the default).");
    }

    public FieldErrors Training(TrainingSettings? training, string field)
    {
        Check(training is not null, field, "is required.");
        if (training is null)
            return this;
        Settings(training.ToOptions().Problems(), field);
        return training.Lora is null ? this : Settings(training.Lora.ToLibrary().Problems(), field + ".lora");
    }

    public FieldErrors Loss(LossSettings? loss, string field)
    {
        Check(loss is not null, field, "is required.");
        if (loss is null)
            return this;
        if (loss.Loss == PreferenceLoss.Unspecified)
            return Check(false, field + ".loss", "is required.");
        var (name, settings) = loss.ToOptions();
        return Settings(settings.Problems().Concat(settings.ProblemsWith(name)), field);
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
        Check(Uri.TryCreate(judge.BaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https", field + ".base_url",
            $"'{judge.BaseUrl}' is not an http(s) URL.")
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
