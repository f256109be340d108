namespace OnlyPrompt.Settings;

/// <summary>How to sample continuations. Temperature 0 means greedy decoding.</summary>
public sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = 128;
    public double Temperature { get; init; } = 1.0;
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this mass (1 = off).</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Keep only the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }
    public long Seed { get; init; }
    /// <summary>Token ids that end a sequence (EOS, end of turn); they are not part of the returned tokens.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    /// <summary>Texts that end a sequence; the returned text is cut before the first one.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>Reuse keys and values of earlier positions (the fast path); false recomputes the whole prefix each step.</summary>
    public bool UseKvCache { get; init; } = true;
    /// <summary>Report each sampled token's log-probability and this many alternatives (null: none), from the model's
    /// distribution before temperature and truncation, as OpenAI-compatible servers do.</summary>
    public int? LogProbs { get; init; }

    public void Validate() => SettingProblem.ThrowFirst(Problems());

    public IEnumerable<SettingProblem> Problems()
    {
        if (MaxNewTokens <= 0)
            yield return new(nameof(MaxNewTokens), MaxNewTokens, "it must be positive");
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            yield return new(nameof(Temperature), Temperature, "it must be >= 0");
        if (!(TopP is > 0 and <= 1))
            yield return new(nameof(TopP), TopP, "it must be in (0, 1]");
        if (TopK < 0)
            yield return new(nameof(TopK), TopK, "it must be >= 0");
        if (LogProbs is < 0 or > 20)
            yield return new(nameof(LogProbs), LogProbs, "it must be in 0..20");
    }
}
