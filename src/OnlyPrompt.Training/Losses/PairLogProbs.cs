using static TorchSharp.torch;

namespace OnlyPrompt.Training.Losses;

/// <summary>
/// Summed log-probs of the chosen and rejected responses of B pairs and their lengths in tokens, each [B] fp32:
/// <c>lw</c>, <c>ll</c>, <c>|yw|</c>, <c>|yl|</c> in the notation of docs/method.md.
/// </summary>
public sealed record PairLogProbs(Tensor Chosen, Tensor Rejected, Tensor ChosenLength, Tensor RejectedLength)
{
    /// <summary>
    /// The chosen responses' summed log-probs after the context the NLL term trains in (the prompt they were sampled
    /// with, <see cref="Data.PreferencePair.NllPrompt"/>); null when that is the pair's prompt.
    /// </summary>
    public Tensor? ChosenInNllContext { get; init; }

    public Tensor ChosenAverage => Chosen / ChosenLength;

    /// <summary>The length-averaged log-prob the NLL term raises.</summary>
    public Tensor NllChosenAverage => (ChosenInNllContext ?? Chosen) / ChosenLength;
    public Tensor RejectedAverage => Rejected / RejectedLength;
}

/// <summary>The loss (a scalar with gradient) and each pair's implicit rewards (detached), from which metrics follow.</summary>
public sealed record LossOutput(Tensor Loss, Tensor RewardsChosen, Tensor RewardsRejected);
