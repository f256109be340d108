using OnlyPrompt.Settings;
using OnlyPrompt.Training.Losses;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Tests;

/// <summary>Each loss against a value worked out by hand from one pair's log-probs.</summary>
public class LossValueTests
{
    // Policy: lw = -10 over |yw| = 5 tokens, ll = -14 over |yl| = 8 tokens. Reference: rw = -11, rl = -12.
    private static readonly PairLogProbs Policy = new(tensor(new[] { -10f }), tensor(new[] { -14f }), tensor(new[] { 5f }), tensor(new[] { 8f }));
    private static readonly PairLogProbs Reference = new(tensor(new[] { -11f }), tensor(new[] { -12f }), tensor(new[] { 5f }), tensor(new[] { 8f }));
    private static readonly LossSettings Settings = new() { Beta = 0.5, Gamma = 0.3, Alpha = 0.1, Lambda = 0.2, Delta = 1.0 };

    private static double LogSigmoid(double x) => -Math.Log(1 + Math.Exp(-x));
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double Loss(PreferenceLoss loss, LossSettings? settings = null, PairLogProbs? policy = null) =>
        PreferenceLosses.Compute(loss, settings ?? Settings, policy ?? Policy, Reference).Loss.item<float>();

    [Fact]
    public void Dpo()
    {
        // h = (lw - rw) - (ll - rl) = (-10 + 11) - (-14 + 12) = 1 + 2 = 3; loss = -log sigma(0.5 * 3)
        Assert.Equal(-LogSigmoid(1.5), Loss(PreferenceLoss.Dpo), 5);
    }

    [Fact]
    public void ConservativeDpoWithLabelSmoothing()
    {
        // eps = 0.1: -(0.9) log sigma(1.5) - 0.1 log sigma(-1.5)
        Assert.Equal(-0.9 * LogSigmoid(1.5) - 0.1 * LogSigmoid(-1.5), Loss(PreferenceLoss.Dpo, Settings with { LabelSmoothing = 0.1 }), 5);
    }

    [Fact]
    public void DpoWithAChosenNllTermAsRpo()
    {
        // -log sigma(1.5) + alpha (-lw / |yw|) = -log sigma(1.5) + 0.7 * 2
        Assert.Equal(-LogSigmoid(1.5) + 1.4, Loss(PreferenceLoss.Dpo, Settings with { ChosenNllWeight = 0.7 }), 5);
    }

    [Fact]
    public void TheNllTermTrainsInItsOwnContextWhenThePairsHaveOne()
    {
        // the chosen response scores lw = -10 after the pair's prompt but -5 after its NLL prompt: -log sigma(1.5) + 0.7 * 5/5
        var policy = Policy with { ChosenInNllContext = tensor(new[] { -5f }) };
        Assert.Equal(-LogSigmoid(1.5) + 0.7, Loss(PreferenceLoss.Dpo, Settings with { ChosenNllWeight = 0.7 }, policy), 5);
    }

    [Fact]
    public void DpopPenalisesAChosenAnswerBelowTheReference()
    {
        // lw = -12 < rw = -11: h = (-12 + 11) - (-14 + 12) = 1, minus lambda max(0, rw - lw) = 2 * 1: -log sigma(0.5 * (1 - 2))
        var below = Policy with { Chosen = tensor(new[] { -12f }) };
        Assert.Equal(-LogSigmoid(-0.5), Loss(PreferenceLoss.Dpo, Settings with { ChosenPenaltyWeight = 2 }, below), 5);
        // lw = -10 above rw = -11: no penalty, plain DPO
        Assert.Equal(-LogSigmoid(1.5), Loss(PreferenceLoss.Dpo, Settings with { ChosenPenaltyWeight = 2 }), 5);
        Assert.Contains("DPO only", Assert.Throws<ArgumentException>(() =>
            Loss(PreferenceLoss.Ipo, Settings with { ChosenPenaltyWeight = 2 })).Message);
    }

    [Fact]
    public void IpoOnLengthAveragedLogProbs()
    {
        // h = (lw/5 - rw/5) - (ll/8 - rl/8) = (-2 + 2.2) - (-1.75 + 1.5) = 0.2 + 0.25 = 0.45; loss = (0.45 - 1/(2 * 0.5))^2
        Assert.Equal(Math.Pow(0.45 - 1.0, 2), Loss(PreferenceLoss.Ipo), 5);
    }

    [Fact]
    public void SimPo()
    {
        // -log sigma(0.5 (-10/5 - (-14/8)) - 0.3) = -log sigma(0.5 (-2 + 1.75) - 0.3) = -log sigma(-0.425)
        Assert.Equal(-LogSigmoid(-0.425), Loss(PreferenceLoss.SimPo), 5);
    }

    [Fact]
    public void SimPoWithReference()
    {
        // ((lw - rw)/|yw|, (ll - rl)/|yl|) = (1/5, -2/8) = (0.2, -0.25); -log sigma(0.5 (0.2 + 0.25) - 0.3) = -log sigma(-0.075)
        Assert.Equal(-LogSigmoid(-0.075), Loss(PreferenceLoss.SimPoWithReference), 5);
    }

    [Fact]
    public void RDpo()
    {
        // -log sigma(0.5 * 3 - 0.1 (5 - 8)) = -log sigma(1.8)
        Assert.Equal(-LogSigmoid(1.8), Loss(PreferenceLoss.RDpo), 5);
    }

    [Fact]
    public void Cpo()
    {
        // -log sigma(0.5 (-10 + 14)) - 0.2 (-10 / 5) = -log sigma(2) + 0.4
        Assert.Equal(-LogSigmoid(2) + 0.4, Loss(PreferenceLoss.Cpo), 5);
    }

    [Fact]
    public void Orpo()
    {
        // a_w = -2, a_l = -1.75; logodds(a) = a - ln(1 - e^a); loss = 2 - 0.2 log sigma(logodds(-2) - logodds(-1.75))
        static double LogOdds(double a) => a - Math.Log(1 - Math.Exp(a));
        Assert.Equal(2 - 0.2 * LogSigmoid(LogOdds(-2) - LogOdds(-1.75)), Loss(PreferenceLoss.Orpo), 5);
    }

    [Fact]
    public void SlicHf()
    {
        // max(0, 1 - (-10) + (-14)) - 0.2 (-2) = max(0, -3) + 0.4 = 0.4
        Assert.Equal(0.4, Loss(PreferenceLoss.SlicHf), 5);
        // with ll = -9: max(0, 1 + 10 - 9) + 0.4 = 2.4
        var close = Policy with { Rejected = tensor(new[] { -9f }) };
        Assert.Equal(2.4, Loss(PreferenceLoss.SlicHf, policy: close), 5);
    }

    [Fact]
    public void Rrhf()
    {
        // max(0, -14/8 - (-10/5)) - 0.2 (-2) = max(0, 0.25) + 0.4 = 0.65
        Assert.Equal(0.65, Loss(PreferenceLoss.Rrhf), 5);
    }

    [Fact]
    public void Kto()
    {
        // chosen ratio 1, rejected ratio -2; z0 = max(0, mean(1, -2)) = 0
        // mean(1 - sigma(0.5 (1 - 0)), 1 - sigma(0.5 (0 + 2)))
        Assert.Equal(((1 - Sigmoid(0.5)) + (1 - Sigmoid(1.0))) / 2, Loss(PreferenceLoss.Kto), 5);
    }

    [Fact]
    public void KtoKlEstimateIsClampedAtZeroAndUsedWhenPositive()
    {
        // Reference far below the policy: ratios 3 and 1, z0 = mean(3, 1) = 2
        // mean(1 - sigma(0.5 (3 - 2)), 1 - sigma(0.5 (2 - 1)))
        var low = new PairLogProbs(tensor(new[] { -13f }), tensor(new[] { -15f }), tensor(new[] { 5f }), tensor(new[] { 8f }));
        var value = PreferenceLosses.Compute(PreferenceLoss.Kto, Settings, Policy, low).Loss.item<float>();
        Assert.Equal(((1 - Sigmoid(0.5)) + (1 - Sigmoid(0.5))) / 2, value, 5);
    }

    [Fact]
    public void DpoMetricsUseTrlNames()
    {
        var output = PreferenceLosses.Compute(PreferenceLoss.Dpo, Settings, Policy, Reference);
        var metrics = LossMetrics.Sums(output, Policy);
        Assert.Equal(0.5, metrics["rewards/chosen"], 5);       // 0.5 (lw - rw) = 0.5
        Assert.Equal(-1.0, metrics["rewards/rejected"], 5);    // 0.5 (ll - rl) = -1
        Assert.Equal(1.5, metrics["rewards/margins"], 5);
        Assert.Equal(1.0, metrics["rewards/accuracies"], 5);
        Assert.Equal(-10.0, metrics["logps/chosen"], 5);
        Assert.Equal(-14.0, metrics["logps/rejected"], 5);
        Assert.Equal(-LogSigmoid(1.5), metrics["loss"], 5);
    }

    [Fact]
    public void SftIsTheTokenLevelMeanNll()
    {
        // (-10 - 14) summed over 5 + 8 tokens: 24 / 13
        Assert.Equal(24.0 / 13, PreferenceLosses.Sft(tensor(new[] { -10f, -14f }), tensor(new[] { 5f, 8f })).item<float>(), 5);
    }

    [Fact]
    public void LossesThatNeedAReferenceRefuseToRunWithoutOne()
    {
        var error = Assert.Throws<ArgumentException>(() => PreferenceLosses.Compute(PreferenceLoss.Dpo, Settings, Policy, null));
        Assert.Contains("Dpo needs reference log-probs", error.Message);
        Assert.True(PreferenceLosses.Compute(PreferenceLoss.SimPo, Settings, Policy, null).Loss.item<float>() > 0);
    }
}
