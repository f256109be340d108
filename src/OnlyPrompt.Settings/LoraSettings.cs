namespace OnlyPrompt.Settings;

/// <summary>A LoRA adapter's shape: rank r, alpha (the update is scaled by alpha / r), dropout on its input, and the projections it adapts.</summary>
public sealed record LoraSettings(int Rank, double Alpha, double Dropout, IReadOnlyList<string> TargetModules)
{
    /// <summary>Every projection of a Llama-family block, as PEFT names them.</summary>
    public static readonly IReadOnlyList<string> AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public void Validate()
    {
        if (Rank < 1)
            throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "the LoRA rank must be at least 1.");
        if (!(Alpha > 0))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "the LoRA alpha must be > 0.");
        if (!(Dropout is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "the LoRA dropout must be in [0, 1).");
        if (TargetModules.Count == 0 || TargetModules.Any(m => !AllProjections.Contains(m)))
            throw new ArgumentException($"LoRA target modules must be some of {string.Join(", ", AllProjections)}; got '{string.Join(",", TargetModules)}'.", nameof(TargetModules));
    }
}
