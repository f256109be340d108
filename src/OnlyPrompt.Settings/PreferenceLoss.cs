namespace OnlyPrompt.Settings;

/// <summary>The DPO-family objectives of the reference comparison (formulas in docs/method.md).</summary>
public enum PreferenceLoss
{
    Dpo,
    Ipo,
    SimPo,
    /// <summary>SimPO's length-normalised reward and target margin, measured against a reference model (the method's variant).</summary>
    SimPoWithReference,
    RDpo,
    Cpo,
    Orpo,
    SlicHf,
    Rrhf,
    Kto,
}

public static class PreferenceLossFacts
{
    public static bool NeedsReference(this PreferenceLoss loss) =>
        loss is PreferenceLoss.Dpo or PreferenceLoss.Ipo or PreferenceLoss.SimPoWithReference or PreferenceLoss.RDpo or PreferenceLoss.Kto;

    public static PreferenceLoss Parse(string name) => name.Replace("-", "").Replace("_", "").ToLowerInvariant() switch
    {
        "dpo" => PreferenceLoss.Dpo,
        "ipo" => PreferenceLoss.Ipo,
        "simpo" => PreferenceLoss.SimPo,
        "simporef" or "simpowithreference" => PreferenceLoss.SimPoWithReference,
        "rdpo" => PreferenceLoss.RDpo,
        "cpo" => PreferenceLoss.Cpo,
        "orpo" => PreferenceLoss.Orpo,
        "slic" or "slichf" => PreferenceLoss.SlicHf,
        "rrhf" => PreferenceLoss.Rrhf,
        "kto" => PreferenceLoss.Kto,
        _ => throw new ArgumentException($"loss '{name}' is not known; use one of {string.Join(", ", Enum.GetNames<PreferenceLoss>())}.",
            nameof(name)),
    };
}
