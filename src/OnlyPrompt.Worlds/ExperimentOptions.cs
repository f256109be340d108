using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Worlds;

public enum RoundReference
{
    /// <summary>pi_{m-1}, the model before this round (the method).</summary>
    PreviousRound,
    /// <summary>pi_0, the offline initialisation, in every round.</summary>
    Initial,
}

/// <summary>Everything that defines one run of the default experiment; <see cref="Preset"/> gives the tuned defaults.</summary>
public sealed record ExperimentOptions
{
    public string PresetName { get; init; } = "default";
    public int Seed { get; init; } = 1;
    public WorldOptions World { get; init; } = new();
    public TinyModelOptions Model { get; init; } = new();
    public PromptTemplates Templates { get; init; } = new();

    public TrainingOptions Sft { get; init; } = new() { LearningRate = 2e-3, WarmupSteps = 100, MinLearningRateRatio = 0.1, Epochs = 2,
        TokensPerBatch = 1024, MaxGradNorm = 1.0 };

    public PreferenceLoss OfflineLoss { get; init; } = PreferenceLoss.SimPo;
    public LossSettings OfflineSettings { get; init; } = new() { Beta = 2.0, Gamma = 0.2 };
    public TrainingOptions Offline { get; init; } = new() { LearningRate = 2e-5, WarmupSteps = 5, Epochs = 1, TokensPerBatch = 2048 };

    /// <summary>The rejected score of each round (its length is the number of rounds).</summary>
    public IReadOnlyList<int> RejectedScores { get; init; } = [3, 5, 7];
    /// <summary>The learning rate of each round, lowered round by round.</summary>
    public IReadOnlyList<double> RoundLearningRates { get; init; } = [5e-5, 2.5e-5, 1.25e-5];
    public PreferenceLoss RoundLoss { get; init; } = PreferenceLoss.Dpo;
    /// <summary>
    /// DPO with an NLL term on the chosen answers (RPO; TRL's rpo_alpha = 1): with plain DPO the policy began writing list
    /// items twice, in its 10 / 10 answers too, so later rounds' chosen answers got worse (docs/experiments.md).
    /// </summary>
    public LossSettings RoundSettings { get; init; } = new() { Beta = 0.1, ChosenNllWeight = 1.0 };
    public TrainingOptions RoundTraining { get; init; } = new() { LearningRate = 5e-5, WarmupSteps = 3, Epochs = 1, TokensPerBatch = 2048 };
    /// <summary>The model each round's preference loss measures against: the previous round's (the method) or pi_0.</summary>
    public RoundReference RoundReference { get; init; } = RoundReference.PreviousRound;
    /// <summary>Train the NLL term (RPO) on each chosen answer after the 10 / 10 prompt it was sampled with, not the plain prompt.</summary>
    public bool NllAfterChosenPrefix { get; init; }

    public SamplingOptions Sampling { get; init; } = new() { Temperature = 0.3, TopP = 0.95, MaxNewTokens = 24 };
    public FilterOptions Filter { get; init; } = new() { MaxWords = 16 };
    public int EvalMaxNewTokens { get; init; } = 24;
    /// <summary>Held-out prompts used for the quality-versus-requested-score probe (each asked at scores 0..10).</summary>
    public int CalibrationPrompts { get; init; } = 40;
    public int GenerationBatch { get; init; } = 96;

    public int Rounds => RejectedScores.Count;

    /// <summary>
    /// The presets <see cref="Preset"/> knows: the default world, the second world (its own four list tasks, the default's sizes and
    /// settings), and a seconds-long smoke test.
    /// </summary>
    public static readonly IReadOnlyList<string> PresetNames = ["default", "second", "smoke"];

    public static ExperimentOptions Preset(string name, int seed) => name switch
    {
        "default" => new ExperimentOptions { Seed = seed, World = new WorldOptions { Seed = seed } },
        "second" => new ExperimentOptions { PresetName = "second", Seed = seed,
            World = new WorldOptions { Seed = seed, Families = TaskGenerator.SecondWorldFamilies } },
        "smoke" => new ExperimentOptions
        {
            PresetName = "smoke",
            Seed = seed,
            World = new WorldOptions { Seed = seed, SftExamples = 400, PreferencePairs = 80, JudgeExamples = 40,
                RoundPrompts = 48, EvalPrompts = 32 },
            Model = new TinyModelOptions { Dim = 64, Layers = 2, Heads = 4, KvHeads = 2 },
            Sft = new TrainingOptions { LearningRate = 3e-3, WarmupSteps = 5, Epochs = 2, TokensPerBatch = 2048 },
            CalibrationPrompts = 8,
        },
        _ => throw new ArgumentException($"preset '{name}' is not known; use one of {string.Join(", ", PresetNames)}.", nameof(name)),
    };

    public void Validate()
    {
        Templates.Validate();
        if (RejectedScores.Count == 0)
            throw new ArgumentException("RejectedScores needs at least one round.", nameof(RejectedScores));
        for (var i = 0; i < RejectedScores.Count; i++)
            if (PromptTemplates.RejectedScoreProblem(RejectedScores[i]) is { } problem)
                throw new ArgumentOutOfRangeException(nameof(RejectedScores), $"RejectedScores[{i}] {problem}");
        if (RoundLearningRates.Count != RejectedScores.Count)
            throw new ArgumentException($"RoundLearningRates has {RoundLearningRates.Count} values for {RejectedScores.Count} rounds.",
                nameof(RoundLearningRates));
        for (var i = 0; i < RoundLearningRates.Count; i++)
            if (!(RoundLearningRates[i] > 0))
                throw new ArgumentOutOfRangeException(nameof(RoundLearningRates),
                    $"RoundLearningRates[{i}] is {RoundLearningRates[i]}; each must be > 0.");
        Sft.Validate();
        Offline.Validate();
        RoundTraining.Validate();
        OfflineSettings.Validate();
        RoundSettings.Validate();
        OfflineSettings.CheckAppliesTo(OfflineLoss);
        RoundSettings.CheckAppliesTo(RoundLoss);
        if (NllAfterChosenPrefix && RoundSettings.ChosenNllWeight == 0)
            throw new ArgumentException("NllAfterChosenPrefix needs an NLL term: RoundSettings.ChosenNllWeight is 0.", nameof(NllAfterChosenPrefix));
        Sampling.Validate();
    }
}
