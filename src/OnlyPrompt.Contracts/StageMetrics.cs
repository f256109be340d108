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
