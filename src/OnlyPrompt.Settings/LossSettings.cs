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

    public void Validate()
    {
        static void Positive(double value, string name)
        {
            if (!(value > 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive number.");
        }
        static void NonNegative(double value, string name)
        {
            if (!(value >= 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= 0.");
        }
        Positive(Beta, nameof(Beta));
        if (!(LabelSmoothing is >= 0 and < 0.5))
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "LabelSmoothing must be in [0, 0.5).");
        NonNegative(Gamma, nameof(Gamma));
        NonNegative(Alpha, nameof(Alpha));
        NonNegative(Lambda, nameof(Lambda));
        NonNegative(Delta, nameof(Delta));
        NonNegative(ChosenNllWeight, nameof(ChosenNllWeight));
        NonNegative(ChosenPenaltyWeight, nameof(ChosenPenaltyWeight));
        NonNegative(DesirableWeight, nameof(DesirableWeight));
        NonNegative(UndesirableWeight, nameof(UndesirableWeight));
    }

    /// <summary>The settings that only some losses read: DPOP's penalty belongs to DPO.</summary>
    public void CheckAppliesTo(PreferenceLoss loss)
    {
        if (ChosenPenaltyWeight > 0 && loss != PreferenceLoss.Dpo)
            throw new ArgumentException($"ChosenPenaltyWeight (DPOP) applies to DPO only, not to {loss}.", nameof(ChosenPenaltyWeight));
    }
}
