using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>The rejected score each round asks for: the spec's schedule, or the adaptive gap's choice from the committed rounds.</summary>
public static class RejectedScores
{
    public const string MeanAccuracy = "mean/rewards/accuracies";

    public static int For(Run run, int round)
    {
        var spec = run.Spec;
        if (spec.AdaptiveGap is not { } adaptive || round == 1)
            return spec.Rounds[round - 1].RejectedScore;
        var previous = For(run, round - 1);
        var train = run.Stages.FirstOrDefault(s => s.Name == StageNames.Train(round - 1))
            ?? throw new StageFailedException($"round {round}'s rejected score depends on round-{round - 1}/train, which is not committed.");
        var separated = train.Metrics.GetValueOrDefault(MeanAccuracy) >= adaptive.AccuracyThreshold;
        return separated ? Math.Min(previous + adaptive.Step, adaptive.MaxScore) : previous;
    }
}
