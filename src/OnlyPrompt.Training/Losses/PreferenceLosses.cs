using OnlyPrompt.Settings;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace OnlyPrompt.Training.Losses;

/// <summary>
/// The preference losses as pure functions of log-probs. Notation (docs/method.md): lw, ll summed log-probs of the
/// chosen / rejected response under the policy; rw, rl under the reference; |y| response length in tokens;
/// h = (lw - rw) - (ll - rl). Every loss is the mean over the batch.
/// </summary>
public static class PreferenceLosses
{
    public static LossOutput Compute(PreferenceLoss loss, LossSettings s, PairLogProbs policy, PairLogProbs? reference)
    {
        s.CheckAppliesTo(loss);
        var output = Objective(loss, s, policy, reference);
        // + alpha x the chosen responses' length-averaged NLL (RPO; TRL's rpo_alpha), so the chosen log-probs do not fall with the rejected ones
        return s.ChosenNllWeight > 0 ? output with { Loss = output.Loss - s.ChosenNllWeight * policy.NllChosenAverage.mean() } : output;
    }

    // One arm per loss, each under its equation, so the losses can be read and compared side by side.
    private static LossOutput Objective(PreferenceLoss loss, LossSettings s, PairLogProbs policy, PairLogProbs? reference)
    {
        if (loss.NeedsReference() && reference is null)
            throw new ArgumentException($"{loss} needs reference log-probs (cached with the dataset or from a live reference model).",
                nameof(reference));
        var (lw, ll) = (policy.Chosen, policy.Rejected);
        var (nw, nl) = (policy.ChosenLength, policy.RejectedLength);
        Tensor Rw() => reference!.Chosen;
        Tensor Rl() => reference!.Rejected;

        switch (loss)
        {
            case PreferenceLoss.Dpo:
            {
                // -(1 - eps) log sigma(beta h) - eps log sigma(-beta h)     (DPO; cDPO when eps > 0)
                // with h - lambda max(0, rw - lw) for DPOP when lambda > 0
                var h = (lw - Rw()) - (ll - Rl());
                if (s.ChosenPenaltyWeight > 0)
                    h = h - s.ChosenPenaltyWeight * (Rw() - lw).clamp_min(0);
                var value = -(1 - s.LabelSmoothing) * F.logsigmoid(s.Beta * h) - s.LabelSmoothing * F.logsigmoid(-s.Beta * h);
                return Output(value, s.Beta * (lw - Rw()), s.Beta * (ll - Rl()));
            }
            case PreferenceLoss.Ipo:
            {
                // (h - 1/(2 beta))^2 with length-averaged log-probs, as TRL computes IPO
                var h = (lw / nw - Rw() / nw) - (ll / nl - Rl() / nl);
                var value = (h - 1 / (2 * s.Beta)).pow(2);
                return Output(value, s.Beta * (lw - Rw()), s.Beta * (ll - Rl()));
            }
            case PreferenceLoss.SimPo:
            {
                // -log sigma(beta (lw/|yw| - ll/|yl|) - gamma)     (no reference)
                var value = -F.logsigmoid(s.Beta * (lw / nw - ll / nl) - s.Gamma);
                return Output(value, s.Beta * lw / nw, s.Beta * ll / nl);
            }
            case PreferenceLoss.SimPoWithReference:
            {
                // -log sigma(beta ((lw - rw)/|yw| - (ll - rl)/|yl|) - gamma)     (SimPO's reward, measured against pi_{m-1})
                var chosen = (lw - Rw()) / nw;
                var rejected = (ll - Rl()) / nl;
                var value = -F.logsigmoid(s.Beta * (chosen - rejected) - s.Gamma);
                return Output(value, s.Beta * chosen, s.Beta * rejected);
            }
            case PreferenceLoss.RDpo:
            {
                // -log sigma(beta h - alpha (|yw| - |yl|))
                var h = (lw - Rw()) - (ll - Rl());
                var value = -F.logsigmoid(s.Beta * h - s.Alpha * (nw - nl));
                return Output(value, s.Beta * (lw - Rw()), s.Beta * (ll - Rl()));
            }
            case PreferenceLoss.Cpo:
            {
                // -log sigma(beta (lw - ll)) - lambda lw/|yw|     (no reference)
                var value = -F.logsigmoid(s.Beta * (lw - ll)) - s.Lambda * lw / nw;
                return Output(value, s.Beta * lw, s.Beta * ll);
            }
            case PreferenceLoss.Orpo:
            {
                // -lw/|yw| - lambda log sigma(logodds_w - logodds_l), logodds = a - log(1 - exp(a)), a = length-averaged log-prob
                var (aw, al) = (lw / nw, ll / nl);
                var oddsRatio = (aw - (-aw.exp()).log1p()) - (al - (-al.exp()).log1p());
                var value = -aw - s.Lambda * F.logsigmoid(oddsRatio);
                return Output(value, s.Beta * aw, s.Beta * al);
            }
            case PreferenceLoss.SlicHf:
            {
                // max(0, delta - lw + ll) - lambda lw/|yw|
                var value = (s.Delta - lw + ll).clamp_min(0) - s.Lambda * lw / nw;
                return Output(value, lw, ll);
            }
            case PreferenceLoss.Rrhf:
            {
                // max(0, ll/|yl| - lw/|yw|) - lambda lw/|yw|
                var value = (ll / nl - lw / nw).clamp_min(0) - s.Lambda * lw / nw;
                return Output(value, lw / nw, ll / nl);
            }
            case PreferenceLoss.Kto:
            {
                // chosen: lambda_D (1 - sigma(beta (lw - rw - z0))); rejected: lambda_U (1 - sigma(beta (z0 - (ll - rl))))
                // z0: the batch's mean log-ratio over all its responses, a detached estimate of KL(policy || reference), clamped at 0.
                var (chosen, rejected) = (lw - Rw(), ll - Rl());
                var z0 = cat([chosen, rejected]).mean().detach().clamp_min(0);
                var desirable = s.DesirableWeight * (1 - F.sigmoid(s.Beta * (chosen - z0)));
                var undesirable = s.UndesirableWeight * (1 - F.sigmoid(s.Beta * (z0 - rejected)));
                return Output(cat([desirable, undesirable]), s.Beta * chosen, s.Beta * rejected);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown preference loss.");
        }
    }

    private static LossOutput Output(Tensor perExample, Tensor rewardsChosen, Tensor rewardsRejected) =>
        new(perExample.mean(), rewardsChosen.detach(), rewardsRejected.detach());

    /// <summary>Supervised fine-tuning: the token-level mean negative log-likelihood of the responses.</summary>
    public static Tensor Sft(Tensor responseLogProbSums, Tensor responseLengths) =>
        -responseLogProbSums.sum() / responseLengths.sum();
}
