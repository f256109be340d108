using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Model;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Experiment.Tests;

/// <summary>The smoke preset end to end, in-process; asserts the pipeline's invariants, not the science.</summary>
public class SmokeExperimentTests
{
    [Fact]
    public void TheSmokePresetRunsEndToEnd()
    {
        using var dir = new TempDirectory();
        var log = new List<string>();
        var options = ExperimentOptions.Preset("smoke", seed: 3);
        var result = new ExperimentRunner(options, dir.Path, log.Add).Run();

        foreach (var file in new[] { "sft.jsonl", "preferences.jsonl", "judge.jsonl", "prompts.jsonl", "eval.jsonl" })
            Assert.NotEmpty(File.ReadLines(Path.Combine(dir.Path, "world", file)));
        Assert.True(result.LeakedSftExamples > 0);
        Assert.Equal(["sft", "init", "round 1", "round 2", "round 3"], result.Stages.Select(s => s.Stage));
        Assert.Equal([3, 5, 7], result.Stages.Skip(2).Select(s => s.RejectedScore!.Value));
        Assert.All(result.Stages, stage => Assert.Equal(11, stage.Calibration.Length));
        Assert.All(result.Stages, stage => Assert.InRange(stage.PrefixedQuality!.Value, 0, 1));
        Assert.All(result.Stages.Skip(2), stage => Assert.InRange(stage.Likelihood!.ChosenPrefixedFell, 0, 1));
        Assert.All(result.Stages.Skip(2), stage => Assert.True(stage.Likelihood!.Before.ChosenPlain < 0 && stage.NllLoss > 0));
        Assert.All(result.Stages.Skip(2), stage => Assert.InRange(stage.SampledQuality!.Chosen, 0, 1));
        Assert.All(result.Stages.Skip(2), stage => Assert.InRange(stage.KeptQuality!.Rejected, 0, 1));

        for (var round = 1; round <= 3; round++)
        {
            var stage = result.Stages[round + 1];
            var pairs = JsonLines.Read<SampledPair>(Path.Combine(dir.Path, $"round-{round}", "pairs.jsonl"));
            Assert.Equal(options.World.RoundPrompts, pairs.Count);
            Assert.All(pairs, p => Assert.Equal(options.RejectedScores[round - 1], p.RejectedScore));
            Assert.Equal(pairs.Count, stage.Pairs);
            Assert.Equal(stage.Pairs, stage.Kept + stage.Removed!.Values.Sum());
            Assert.Equal(stage.Kept, JsonLines.Read<SampledPair>(Path.Combine(dir.Path, $"round-{round}", "kept.jsonl")).Count);
        }
        foreach (var stage in result.Stages)
        {
            Assert.InRange(stage.Evaluation.MeanQuality, 0, 1);
            Assert.InRange(stage.Evaluation.LeakRate, 0, 1);
        }
        foreach (var checkpoint in new[] { "sft", "init", "round-3/checkpoint" })
        {
            using var loaded = PretrainedModel.Load(Path.Combine(dir.Path, checkpoint));
            Assert.Equal(Path.Combine(dir.Path, checkpoint), loaded.Directory);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "report.json")));
        Assert.Contains(log, line => line.StartsWith("round 3", StringComparison.Ordinal));
    }

    [Fact]
    public void TheNllTermAfterTheChosenPrefixRaisesTheChosenAnswersLikelihoodThere()
    {
        using var dir = new TempDirectory();
        var options = ExperimentOptions.Preset("smoke", seed: 3) with { RejectedScores = [3], RoundLearningRates = [1e-3] };
        var plain = new ExperimentRunner(options, Path.Combine(dir.Path, "plain"), _ => { }).Run().Stages[^1].Likelihood!;
        var prefixed = new ExperimentRunner(options with { NllAfterChosenPrefix = true }, Path.Combine(dir.Path, "prefixed"), _ => { }).Run().Stages[^1].Likelihood!;

        Assert.Equal(plain.Before, prefixed.Before); // the same policy before the round
        Assert.True(prefixed.Change.ChosenPrefixed > plain.Change.ChosenPrefixed, $"{prefixed.Change} against {plain.Change}");
    }

    [Fact]
    public void ARoundWithoutPairsKeepsThePreviousModel()
    {
        using var dir = new TempDirectory();
        var log = new List<string>();
        // A leak pattern that matches every answer leaves no pairs.
        var options = ExperimentOptions.Preset("smoke", seed: 1) with { Filter = new FilterOptions { LeakPatterns = ["."] }, RejectedScores = [3], RoundLearningRates = [5e-5] };
        var round = new ExperimentRunner(options, dir.Path, log.Add).Run().Stages[^1];

        Assert.Equal((0, null, null, null), (round.Kept, round.Loss, round.Margin, round.KeptQuality));
        Assert.Contains(log, line => line.Contains("round 1: the filter kept none of", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "init", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir.Path, "round-1", "checkpoint", "model.safetensors")));
    }

    [Fact]
    public void InvalidSchedulesAreRefusedNamingTheField()
    {
        var options = ExperimentOptions.Preset("smoke", seed: 1);
        Assert.Contains("RejectedScores[1] is 12", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ExperimentRunner(options with { RejectedScores = [3, 12, 7] }, "unused", _ => { }).Run()).Message);
        Assert.Contains("RoundLearningRates has 2 values for 3 rounds", Assert.Throws<ArgumentException>(() =>
            new ExperimentRunner(options with { RoundLearningRates = [1e-4, 1e-5] }, "unused", _ => { }).Run()).Message);
        Assert.Contains("must contain {s}", Assert.Throws<ArgumentException>(() =>
            new ExperimentRunner(options with { Templates = new PromptTemplates(Rejected: "no score here ") }, "unused", _ => { }).Run()).Message);
    }
}
