using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>One stage of a run: its name in the manifest, and its round (0 outside the rounds).</summary>
public sealed record PlannedStage(string Name, StageKind Kind, int Round);

public enum StageKind
{
    Prepare,
    Initialise,
    Sft,
    Offline,
    Sample,
    Filter,
    TrainRound,
    Evaluate,
    Report,
}

/// <summary>
/// The stages a spec implies, in order: prepare, the base model's weights when it is given without them, SFT and its
/// evaluation, the offline initialisation and its evaluation (or, with neither, an evaluation of the base model), sample,
/// filter, train, evaluate per round, and the report.
/// </summary>
public static class RunPlan
{
    public static IReadOnlyList<PlannedStage> For(RunSpec spec)
    {
        var stages = new List<PlannedStage> { new(StageNames.Prepare, StageKind.Prepare, 0) };
        if (spec.Given.HasBaseModelWeightSeed)
            stages.Add(new(StageNames.Initialise, StageKind.Initialise, 0));
        if (spec.Sft is not null)
            stages.AddRange([new(StageNames.Sft, StageKind.Sft, 0), new(StageNames.SftEvaluate, StageKind.Evaluate, 0)]);
        if (spec.Offline is not null)
            stages.AddRange([new(StageNames.Init, StageKind.Offline, 0), new(StageNames.InitEvaluate, StageKind.Evaluate, 0)]);
        // Without SFT or initialisation, the base model is evaluated once, so round 1 has a reference and a prefix gap.
        if (spec.Sft is null && spec.Offline is null && spec.Rounds.Count > 0)
            stages.Add(new(StageNames.BaseEvaluate, StageKind.Evaluate, 0));
        for (var round = 1; round <= spec.Rounds.Count; round++)
            stages.AddRange([
                new(StageNames.Sample(round), StageKind.Sample, round),
                new(StageNames.Filter(round), StageKind.Filter, round),
                new(StageNames.Train(round), StageKind.TrainRound, round),
                new(StageNames.Evaluate(round), StageKind.Evaluate, round),
            ]);
        stages.Add(new(StageNames.Report, StageKind.Report, 0));
        return stages;
    }
}
