namespace OnlyPrompt.Orchestrator.V1;

/// <summary>
/// The keys of a stage's metrics (<see cref="StageRecord.Metrics"/>) that more than one reader relies on: the
/// Orchestrator writes them, the CLI's table, the report and the comparison read them.
/// </summary>
public static class StageMetrics
{
    /// <summary>Sample stages: pairs sampled, and the rejected score they were asked for.</summary>
    public const string Pairs = "pairs";
    public const string RejectedScore = "rejected_score";
    /// <summary>Filter stages: pairs kept.</summary>
    public const string Kept = "kept";
    /// <summary>Training stages: optimizer steps and throughput; a round whose filter kept nothing sets <see cref="NoPairs"/>.</summary>
    public const string Steps = "steps";
    public const string TokensPerSecond = "tokens_per_second";
    public const string NoPairs = "no_pairs";
    /// <summary>Training stages: 1 when the pass computed in bf16 with fp32 master weights, 0 in fp32.</summary>
    public const string MixedPrecision = "mixed_precision";
    /// <summary>
    /// Evaluate stages: the prefix gap (with /low and /high), and whether a round did worse than its reference and was adopted anyway.
    /// </summary>
    public const string PrefixGap = "prefix_gap";
    public const string WorseThanReference = "worse_than_reference";
    public const string Adopted = "adopted";
}

/// <summary>The roles of a stage's files (<see cref="StageRecord.Files"/>) that later stages and readers look up.</summary>
public static class StageFiles
{
    /// <summary>A sample stage's pairs, a filter stage's kept pairs, an evaluate stage's eval.json.</summary>
    public const string Pairs = "pairs", Kept = "kept", Report = "report";
}

/// <summary>
/// A round's training metrics from its likelihood probe (trainer.v1.LikelihoodProbe): the mean per-token log-prob of each
/// reading (chosen_plain, chosen_prefixed, rejected_plain, rejected_prefixed) before and after the pass, and the share of
/// pairs whose chosen answer fell.
/// </summary>
public static class LikelihoodMetrics
{
    public const string ChosenPlain = "chosen_plain", ChosenPrefixed = "chosen_prefixed", RejectedPlain = "rejected_plain",
        RejectedPrefixed = "rejected_prefixed";

    public static string Before(string reading) => $"likelihood/before/{reading}";
    public static string After(string reading) => $"likelihood/after/{reading}";
    public static string Fell(string reading) => $"likelihood/{reading}_fell";
}
