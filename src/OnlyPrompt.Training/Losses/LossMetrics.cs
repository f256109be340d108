using static TorchSharp.torch;

namespace OnlyPrompt.Training.Losses;

/// <summary>The metric names users compare across tools (TRL's), computed from one batch's loss output.</summary>
public static class LossMetrics
{
    public const string Loss = "loss";
    public const string RewardsChosen = "rewards/chosen";
    public const string RewardsRejected = "rewards/rejected";
    public const string RewardsMargins = "rewards/margins";
    public const string RewardsAccuracies = "rewards/accuracies";
    public const string LogpsChosen = "logps/chosen";
    public const string LogpsRejected = "logps/rejected";
    /// <summary>The chosen responses' length-averaged NLL in the NLL term's context (TRL logs it as nll_loss under rpo_alpha), unweighted.</summary>
    public const string NllLoss = "nll_loss";

    /// <summary>Sums over the batch, so metrics of several batches add up before dividing by the pair count.</summary>
    public static Dictionary<string, double> Sums(LossOutput output, PairLogProbs policy)
    {
        using var _ = no_grad();
        var pairs = policy.Chosen.shape[0];
        return new Dictionary<string, double>
        {
            [Loss] = output.Loss.detach().item<float>() * pairs,
            [RewardsChosen] = output.RewardsChosen.sum().item<float>(),
            [RewardsRejected] = output.RewardsRejected.sum().item<float>(),
            [RewardsMargins] = (output.RewardsChosen - output.RewardsRejected).sum().item<float>(),
            [RewardsAccuracies] = output.RewardsChosen.gt(output.RewardsRejected).to(ScalarType.Float32).sum().item<float>(),
            [LogpsChosen] = policy.Chosen.detach().sum().item<float>(),
            [LogpsRejected] = policy.Rejected.detach().sum().item<float>(),
            [NllLoss] = -policy.NllChosenAverage.detach().sum().item<float>(),
        };
    }
}
