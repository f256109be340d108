using OnlyPrompt.Method.Data;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Sampler.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Settings;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Cli;

/// <summary>
/// The paper's method, its baselines and ablations as variations of one RunSpec, so every kind runs through the
/// same Orchestrator on the same world, seed and settings and their numbers compare.
/// </summary>
public static class RunKinds
{
    public const string OnlyPrompting = "only-prompting";
    public const string FixedGap = "fixed-gap";
    public const string OfflineDpo = "offline-dpo";
    public const string OfflineSimPo = "offline-simpo";
    public const string ChosenPrefix = "chosen-prefix";
    public const string SelfRewarding = "self-rewarding";
    public const string AdaptiveGap = "adaptive-gap";

    public static readonly IReadOnlyList<string> All = [OnlyPrompting, SelfRewarding, FixedGap, OfflineDpo, OfflineSimPo, ChosenPrefix, AdaptiveGap];

    /// <summary>The adaptive gap's rule: raise by 2 once the round's mean reward accuracy reaches 0.8, up to 9.</summary>
    public static readonly Orchestrator.V1.AdaptiveGap AdaptiveGapRule = new() { Step = 2, AccuracyThreshold = 0.8, MaxScore = 9 };

    /// <summary>Answers per prompt the self-rewarding judge grades (the best is paired with the worst).</summary>
    public const int SelfRewardingSamples = 4;
    /// <summary>Yuan et al.'s sampling temperature for the candidates (lower ones make the four answers identical too often to pair).</summary>
    public const double SelfRewardingTemperature = 0.7;

    public static string Describe(string kind) => kind switch
    {
        OnlyPrompting => "this method: chosen asked for 10/10, rejected for the rising score",
        FixedGap => "ablation: the rejected score stays at the first round's in every round",
        OfflineDpo => "SFT then offline DPO on the seed preferences, no rounds",
        OfflineSimPo => "SFT then offline SimPO on the seed preferences, no rounds",
        ChosenPrefix => "no rounds; the SFT and offline models answer with the chosen prefix in front of each instruction",
        AdaptiveGap => $"beyond the paper: the rejected score starts at the first round's and rises by {AdaptiveGapRule.Step} only after a round " +
            $"whose mean reward accuracy reached {AdaptiveGapRule.AccuracyThreshold}",
        SelfRewarding => $"baseline (Yuan et al.): {SelfRewardingSamples} answers per prompt graded by the policy itself, best vs worst, DPO",
        _ => throw new ArgumentException($"run kind '{kind}' is not known; use one of: {string.Join(", ", All)}.", nameof(kind)),
    };

    /// <summary>The spec of <paramref name="kind"/>, made from the method's spec (a copy; the argument is not changed).</summary>
    public static RunSpec Apply(RunSpec method, string kind)
    {
        Describe(kind);
        var spec = method.Clone();
        spec.Name = $"{method.Name}-{kind}";
        switch (kind)
        {
            case FixedGap:
                spec.RequireIncreasingSchedule = false;
                foreach (var round in spec.Rounds)
                    round.RejectedScore = spec.Rounds[0].RejectedScore;
                break;
            case OfflineDpo:
                spec.Rounds.Clear();
                spec.Offline.Loss = PreferenceLoss.Dpo.ToContract(new LossSettings { Beta = 0.1 });
                break;
            case OfflineSimPo:
                spec.Rounds.Clear();
                spec.Offline.Loss = PreferenceLoss.SimPo.ToContract(new LossSettings { Beta = 2.0, Gamma = 0.2 });
                break;
            case ChosenPrefix:
                spec.Rounds.Clear();
                spec.Evaluation.InferencePrefix = spec.Templates?.Chosen ?? PromptTemplates.DefaultChosen;
                break;
            case AdaptiveGap:
                spec.RequireIncreasingSchedule = false;
                spec.AdaptiveGap = AdaptiveGapRule.Clone();
                foreach (var round in spec.Rounds)
                    round.RejectedScore = spec.Rounds[0].RejectedScore;
                break;
            case SelfRewarding:
                spec.RequireIncreasingSchedule = false;
                spec.Sampling.Temperature = SelfRewardingTemperature;
                foreach (var round in spec.Rounds)
                {
                    round.SelfJudge = new SelfJudgeSettings { SamplesPerPrompt = SelfRewardingSamples,
                        JudgeTemplate = WorldGenerator.JudgeInstruction };
                    // The method's beta and NLL term, so that the comparison differs in how pairs are labelled only.
                    round.Train.Loss = PreferenceLoss.Dpo.ToContract(new LossSettings { Beta = method.Rounds[0].Train.Loss.Beta,
                        ChosenNllWeight = method.Rounds[0].Train.Loss.ChosenNllWeight });
                    // The judge's chosen answers were not asked for with the chosen prefix, so their NLL term stays on the plain prompt.
                    round.NllAfterChosenPrefix = false;
                }
                break;
        }
        return spec;
    }
}
