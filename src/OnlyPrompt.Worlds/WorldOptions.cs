namespace OnlyPrompt.Worlds;

/// <summary>Sizes and mix of the generated world.</summary>
public sealed record WorldOptions
{
    public int Seed { get; init; } = 1;
    /// <summary>The task families drawn from.</summary>
    public IReadOnlyList<TaskFamily> Families { get; init; } = TaskGenerator.LaptopFamilies;
    public int SftExamples { get; init; } = 24000;
    /// <summary>Share of SFT examples that are plain instructions (no score requested), answered with mixed quality.</summary>
    public double PlainShare { get; init; } = 0.3;
    /// <summary>Share of score-requesting SFT examples whose answer leaks meta-text ("Here is a 10 - score answer :").</summary>
    public double LeakRate { get; init; } = 0.1;
    public int PreferencePairs { get; init; } = 4000;
    public int JudgeExamples { get; init; } = 1000;
    /// <summary>Prompts of each online round.</summary>
    public int RoundPrompts { get; init; } = 1000;
    /// <summary>
    /// Disjoint sets of <see cref="RoundPrompts"/> prompts; round k samples set ((k - 1) mod sets) + 1, so with one set per round every
    /// round sees new prompts.
    /// </summary>
    public int RoundPromptSets { get; init; } = 3;
    public int EvalPrompts { get; init; } = 300;
}
