namespace OnlyPrompt.Orchestrator.V1;

/// <summary>
/// The names of a run's stages in its manifest (<see cref="StageRecord.Name"/>): the Orchestrator writes them, the
/// CLI, the report and the comparison read them. <c>round-k/...</c> names carry their round.
/// </summary>
public static class StageNames
{
    public const string Prepare = "prepare";
    public const string Initialise = "initialise";
    public const string Sft = "sft";
    public const string Init = "init";
    public const string Report = "report";
    public const string SftEvaluate = Sft + EvaluateSuffix;
    public const string InitEvaluate = Init + EvaluateSuffix;
    public const string BaseEvaluate = "base" + EvaluateSuffix;

    private const string EvaluateSuffix = "/evaluate";

    public static string Sample(int round) => $"{RoundFolder(round)}/sample";

    public static string Filter(int round) => $"{RoundFolder(round)}/filter";

    public static string Train(int round) => $"{RoundFolder(round)}/train";

    public static string Evaluate(int round) => $"{RoundFolder(round)}{EvaluateSuffix}";

    /// <summary>Where a round's files live under the run's folder: <c>round-k</c>.</summary>
    public static string RoundFolder(int round) => $"round-{round}";

    public static bool IsEvaluation(string name) => name.EndsWith(EvaluateSuffix, StringComparison.Ordinal);

    public static bool IsFilter(string name) => name.EndsWith("/filter", StringComparison.Ordinal);

    public static bool IsSample(string name) => name.EndsWith("/sample", StringComparison.Ordinal);

    /// <summary>What an evaluation evaluated: "sft" for "sft/evaluate", "round-2" for "round-2/evaluate".</summary>
    public static string Evaluated(string name) => IsEvaluation(name) ? name[..^EvaluateSuffix.Length] : name;
}
