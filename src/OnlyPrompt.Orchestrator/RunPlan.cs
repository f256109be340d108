using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>One stage of a run: its name in the manifest, and its round (0 outside the rounds).</summary>
public sealed record PlannedStage(string Name, StageKind Kind, int Round);

public enum StageKind
{
    Prepare,
    Sft,
    Offline,
    Sample,
    Filter,
    TrainRound,
    Evaluate,
    Report,
}

/// <summary>
/// The stages a spec implies, in order: prepare, SFT and its evaluation, the offline initialisation and its evaluation
/// (or, with neither, an evaluation of the base model), sample, filter, train, evaluate per round, and the report.
/// </summary>
public static class RunPlan
{
    public static IReadOnlyList<PlannedStage> For(RunSpec spec)
    {
        var stages = new List<PlannedStage> { new("prepare", StageKind.Prepare, 0) };
        if (spec.Sft is not null)
            stages.AddRange([new("sft", StageKind.Sft, 0), new("sft/evaluate", StageKind.Evaluate, 0)]);
        if (spec.Offline is not null)
            stages.AddRange([new("init", StageKind.Offline, 0), new("init/evaluate", StageKind.Evaluate, 0)]);
        // Without SFT or initialisation, the base model is evaluated once, so round 1 has a reference and a prefix gap.
        if (spec.Sft is null && spec.Offline is null && spec.Rounds.Count > 0)
            stages.Add(new("base/evaluate", StageKind.Evaluate, 0));
        for (var round = 1; round <= spec.Rounds.Count; round++)
            stages.AddRange([
                new($"round-{round}/sample", StageKind.Sample, round),
                new($"round-{round}/filter", StageKind.Filter, round),
                new($"round-{round}/train", StageKind.TrainRound, round),
                new($"round-{round}/evaluate", StageKind.Evaluate, round),
            ]);
        stages.Add(new("report", StageKind.Report, 0));
        return stages;
    }
}
