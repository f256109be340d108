namespace OnlyPrompt.Settings;

/// <summary>A LoRA adapter's shape: rank r, alpha (the update is scaled by alpha / r), dropout on its input, and the projections it adapts.</summary>
public sealed record LoraSettings(int Rank, double Alpha, double Dropout, IReadOnlyList<string> TargetModules)
{
    /// <summary>Every projection of a Llama-family block, as PEFT names them.</summary>
    public static readonly IReadOnlyList<string> AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public void Validate() => SettingProblem.ThrowFirst(Problems());

    public IEnumerable<SettingProblem> Problems()
    {
        if (Rank < 1)
            yield return new(nameof(Rank), Rank, "it must be at least 1");
        if (!(Alpha > 0) || double.IsInfinity(Alpha))
            yield return new(nameof(Alpha), Alpha, "it must be > 0");
        if (!(Dropout is >= 0 and < 1))
            yield return new(nameof(Dropout), Dropout, "it must be in [0, 1)");
        if (TargetModules.Count == 0 || TargetModules.Any(m => !AllProjections.Contains(m)))
            yield return new(nameof(TargetModules), TargetModules, $"each must be one of {string.Join(", ", AllProjections)}", OutOfRange: false);
    }
}
