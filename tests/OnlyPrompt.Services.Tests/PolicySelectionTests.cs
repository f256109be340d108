using OnlyPrompt.Common.V1;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Services.Tests;

/// <summary>Which model a run's next stage works on, from its manifest alone (so a resumed run picks the same one).</summary>
public sealed class PolicySelectionTests
{
    private static CheckpointRef Checkpoint(string name) => new() { Container = "c", Prefix = name, Sha256 = new string('a', 64) };

    private static StageRecord Stage(string name, string? checkpoint = null, double? adopted = null)
    {
        var record = new StageRecord { Name = name, Checkpoint = checkpoint is null ? null : Checkpoint(checkpoint) };
        if (adopted is { } value)
            record.Metrics["adopted"] = value;
        return record;
    }

    [Fact]
    public void The_newest_checkpoint_unless_a_worse_round_was_not_adopted()
    {
        var run = new Run { Stages = { Stage("prepare", "base"), Stage("sft", "sft"), Stage("sft/evaluate"), Stage("round-1/train", "r1"),
            Stage("round-1/evaluate") } };
        Assert.Equal("r1", StageRunner.Policy(run).Prefix);

        // Round 1 was worse than its reference and not adopted: round 2 starts from the SFT model.
        run.Stages[^1] = Stage("round-1/evaluate", adopted: 0);
        Assert.Equal("sft", StageRunner.Policy(run).Prefix);

        // Round 2 trains from there and is adopted: it is the policy; its reference chain skips round 1.
        run.Stages.Add(Stage("round-2/train", "r2"));
        run.Stages.Add(Stage("round-2/evaluate", adopted: 1));
        Assert.Equal("r2", StageRunner.Policy(run).Prefix);
        run.Stages.Add(Stage("round-3/train", "r3"));
        run.Stages.Add(Stage("round-3/evaluate", adopted: 0));
        Assert.Equal("r2", StageRunner.Policy(run).Prefix);
    }

    [Fact]
    public void Score_differences_pair_answers_by_prompt()
    {
        HeldOutResult Of(params (string Prompt, double Score)[] answers) =>
            new(0, 0, 0, new Dictionary<string, double>(),
                answers.Select(a => new OnlyPrompt.Method.Scores.EvaluatedAnswer(a.Prompt, "x", a.Score, 1)).ToList());
        var differences = HeadToHead.Differences(Of(("a", 0.5), ("b", 0.9), ("c", 0.1)), Of(("b", 1.0), ("a", 0.2), ("d", 0.4)));
        Assert.Equal([0.3, -0.1], differences.Select(d => Math.Round(d, 6)));
    }
}
