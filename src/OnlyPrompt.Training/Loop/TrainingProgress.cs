namespace OnlyPrompt.Training.Loop;

/// <summary>Reported after every optimizer step (and after each evaluation, with IsEvaluation set).</summary>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    int Epoch,
    double LearningRate,
    double GradNorm,
    double TokensPerSecond,
    IReadOnlyDictionary<string, double> Metrics,
    bool IsEvaluation = false)
{
    public double Loss => Metrics.TryGetValue(Losses.LossMetrics.Loss, out var loss) ? loss : double.NaN;
}

/// <summary>What a finished training run leaves: the steps taken, the last step's and the final evaluation's metrics.</summary>
public sealed record TrainingResult(int Steps, IReadOnlyDictionary<string, double> LastMetrics, IReadOnlyDictionary<string, double>? Evaluation);

/// <summary>A loss or gradient became NaN or infinite; nothing from this step on was saved.</summary>
public sealed class TrainingDivergedException(string message) : ArithmeticException(message);
