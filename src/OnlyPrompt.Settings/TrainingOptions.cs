namespace OnlyPrompt.Settings;

public enum LearningRateSchedule
{
    Cosine,
    Linear,
    Constant,
}

/// <summary>How to train: optimizer, schedule, batching, evaluation and checkpoints.</summary>
public sealed record TrainingOptions
{
    public double LearningRate { get; init; } = 1e-5;
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;
    /// <summary>Optimizer steps of linear warm-up from 0 to the learning rate.</summary>
    public int WarmupSteps { get; init; }
    /// <summary>Where cosine and linear decay end, as a fraction of the learning rate.</summary>
    public double MinLearningRateRatio { get; init; }
    /// <summary>AdamW weight decay, applied to matrices only (not norms or biases).</summary>
    public double WeightDecay { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;
    /// <summary>Clip the global gradient norm to this; 0 turns clipping off (the norm is still checked for NaN).</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public int GradientAccumulationSteps { get; init; } = 1;
    public int Epochs { get; init; } = 1;
    /// <summary>Stop after this many optimizer steps (null: run every epoch).</summary>
    public int? MaxSteps { get; init; }
    /// <summary>Padded tokens per micro-batch (rows x longest row); an example larger than this forms a batch alone.</summary>
    public int TokensPerBatch { get; init; } = 4096;
    /// <summary>Seeds the shuffling of each epoch.</summary>
    public int Seed { get; init; }
    /// <summary>Evaluate on the held-out records every this many steps (0: only at the end).</summary>
    public int EvalEverySteps { get; init; }
    /// <summary>Write a resumable checkpoint every this many steps (0: none) into CheckpointDirectory/step-N.</summary>
    public int CheckpointEverySteps { get; init; }
    public string? CheckpointDirectory { get; init; }
    /// <summary>Compute in bf16 with fp32 master weights and optimizer state (the Trainer keeps them); the model ends fp32.</summary>
    public bool MixedPrecision { get; init; }

    public void Validate() => SettingProblem.ThrowFirst(Problems());

    public IEnumerable<SettingProblem> Problems()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            yield return new(nameof(LearningRate), LearningRate, "it must be > 0");
        if (WarmupSteps < 0)
            yield return new(nameof(WarmupSteps), WarmupSteps, "it must be >= 0");
        if (!(MinLearningRateRatio is >= 0 and <= 1))
            yield return new(nameof(MinLearningRateRatio), MinLearningRateRatio, "it must be in [0, 1]");
        if (!(WeightDecay >= 0))
            yield return new(nameof(WeightDecay), WeightDecay, "it must be >= 0");
        if (!(Beta1 is >= 0 and < 1))
            yield return new(nameof(Beta1), Beta1, "it must be in [0, 1)");
        if (!(Beta2 is >= 0 and < 1))
            yield return new(nameof(Beta2), Beta2, "it must be in [0, 1)");
        if (!(Epsilon > 0))
            yield return new(nameof(Epsilon), Epsilon, "it must be > 0");
        if (!(MaxGradNorm >= 0))
            yield return new(nameof(MaxGradNorm), MaxGradNorm, "it must be >= 0");
        if (GradientAccumulationSteps <= 0)
            yield return new(nameof(GradientAccumulationSteps), GradientAccumulationSteps, "it must be positive");
        if (Epochs <= 0)
            yield return new(nameof(Epochs), Epochs, "it must be positive");
        if (MaxSteps is <= 0)
            yield return new(nameof(MaxSteps), MaxSteps, "it must be positive when set");
        if (TokensPerBatch <= 0)
            yield return new(nameof(TokensPerBatch), TokensPerBatch, "it must be positive");
        if (EvalEverySteps < 0)
            yield return new(nameof(EvalEverySteps), EvalEverySteps, "it must be >= 0");
        if (CheckpointEverySteps < 0)
            yield return new(nameof(CheckpointEverySteps), CheckpointEverySteps, "it must be >= 0");
        if (CheckpointEverySteps > 0 && string.IsNullOrWhiteSpace(CheckpointDirectory))
            yield return new(nameof(CheckpointDirectory), CheckpointDirectory, "it is required when CheckpointEverySteps > 0", OutOfRange: false);
    }

    /// <summary>The learning rate of optimizer step <paramref name="step"/> (0-based) out of <paramref name="totalSteps"/>.</summary>
    public double LearningRateAt(int step, int totalSteps)
    {
        if (step < WarmupSteps)
            return LearningRate * (step + 1) / WarmupSteps;
        var decaySteps = Math.Max(1, totalSteps - WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        var scale = Schedule switch
        {
            LearningRateSchedule.Cosine => MinLearningRateRatio + (1 - MinLearningRateRatio) * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            LearningRateSchedule.Linear => 1 - (1 - MinLearningRateRatio) * progress,
            _ => 1.0,
        };
        return LearningRate * scale;
    }
}
