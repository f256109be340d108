namespace OnlyPrompt.Settings;

/// <summary>Hyperparameters of the preference losses; each loss reads the ones its equation names.</summary>
public sealed record LossSettings
{
    /// <summary>Inverse temperature (all but SLiC-HF and RRHF).</summary>
    public double Beta { get; init; } = 0.1;
    /// <summary>cDPO label smoothing: the assumed probability that a pair's labels are flipped, in [0, 0.5).</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>SimPO's target reward margin (the reference run used gamma/beta = 0.8 for base, 0.1 for instruct models).</summary>
    public double Gamma { get; init; } = 1.0;
    /// <summary>R-DPO's length penalty per token of length difference.</summary>
    public double Alpha { get; init; } = 0.01;
    /// <summary>Weight of the NLL (CPO, SLiC-HF, RRHF) or odds-ratio (ORPO) term.</summary>
    public double Lambda { get; init; } = 1.0;
    /// <summary>
    /// Weight alpha of an NLL term on the chosen responses added to any loss (RPO, as in iterative RPO and TRL's
    /// rpo_alpha): alpha x the mean over pairs of -lw/|yw|. 0 leaves the loss as its equation says.
    /// </summary>
    public double ChosenNllWeight { get; init; }
    /// <summary>
    /// DPOP's lambda (DPO only, Pal et al. 2024): h - lambda max(0, rw - lw) inside the sigmoid, so the loss cannot fall
    /// by lowering the chosen answers below the reference. 0 leaves DPO as it is.
    /// </summary>
    public double ChosenPenaltyWeight { get; init; }
    /// <summary>SLiC-HF's hinge margin.</summary>
    public double Delta { get; init; } = 1.0;
    /// <summary>KTO's weights for desirable (chosen) and undesirable (rejected) examples.</summary>
    public double DesirableWeight { get; init; } = 1.0;
    public double UndesirableWeight { get; init; } = 1.0;

    public void Validate() => SettingProblem.ThrowFirst(Problems());

    public IEnumerable<SettingProblem> Problems()
    {
        if (!(Beta > 0) || double.IsInfinity(Beta))
            yield return new(nameof(Beta), Beta, "it must be > 0");
        if (!(LabelSmoothing is >= 0 and < 0.5))
            yield return new(nameof(LabelSmoothing), LabelSmoothing, "it must be in [0, 0.5)");
        foreach (var (name, value) in new[]
        {
            (nameof(Gamma), Gamma), (nameof(Alpha), Alpha), (nameof(Lambda), Lambda), (nameof(Delta), Delta),
            (nameof(ChosenNllWeight), ChosenNllWeight), (nameof(ChosenPenaltyWeight), ChosenPenaltyWeight),
            (nameof(DesirableWeight), DesirableWeight), (nameof(UndesirableWeight), UndesirableWeight),
        })
            if (!(value >= 0) || double.IsInfinity(value))
                yield return new(name, value, "it must be >= 0");
    }

    /// <summary>The settings that only some losses read: DPOP's penalty belongs to DPO.</summary>
    public void CheckAppliesTo(PreferenceLoss loss) => SettingProblem.ThrowFirst(ProblemsWith(loss));

    public IEnumerable<SettingProblem> ProblemsWith(PreferenceLoss loss)
    {
        if (ChosenPenaltyWeight > 0 && loss != PreferenceLoss.Dpo)
            yield return new(nameof(ChosenPenaltyWeight), ChosenPenaltyWeight, $"DPOP's penalty applies to DPO only, not to {loss}",
                OutOfRange: false);
    }
}
