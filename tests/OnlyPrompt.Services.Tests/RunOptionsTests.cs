using OnlyPrompt.Cli;
using OnlyPrompt.Experiment.Running;

namespace OnlyPrompt.Services.Tests;

/// <summary>The round options of <c>onlyprompt run</c> and <c>experiment</c> reach the RunSpec the Orchestrator gets.</summary>
public sealed class RunOptionsTests
{
    private static ExperimentOptions Apply(params string[] args) => RunOptions.Apply(new Arguments(args), ExperimentOptions.Preset("smoke", 1));

    [Fact]
    public void The_NLL_context_and_DPOPs_penalty_reach_every_round_of_the_spec()
    {
        var spec = RunSpecs.FromExperiment(Apply("--nll-context", "chosen-prefix", "--round-dpop", "5"));
        Assert.All(spec.Rounds, round => Assert.True(round.NllAfterChosenPrefix));
        Assert.All(spec.Rounds, round => Assert.Equal(5, round.Train.Loss.ChosenPenaltyWeight));
        Assert.All(RunSpecs.FromExperiment(Apply()).Rounds, round => Assert.False(round.NllAfterChosenPrefix));
        // The services measure each round against the previous round's model; the in-process study's pi_0 reference is refused, not dropped.
        Assert.Throws<ArgumentException>(() => RunSpecs.FromExperiment(Apply() with { RoundReference = RoundReference.Initial }));
    }

    [Fact]
    public void Bad_round_options_are_refused_naming_the_option_or_setting()
    {
        Assert.Contains("--nll-context: 'prefixed' is not one of plain, chosen-prefix", Assert.Throws<UsageException>(() => Apply("--nll-context", "prefixed")).Message);
        Assert.Contains("NllAfterChosenPrefix needs an NLL term", Assert.Throws<UsageException>(() => Apply("--nll-context", "chosen-prefix", "--round-nll", "0")).Message);
        Assert.Contains("DPO only", Assert.Throws<UsageException>(() => Apply("--round-dpop", "5", "--round-loss", "ipo")).Message);
        Assert.Contains("ChosenPenaltyWeight", Assert.Throws<UsageException>(() => Apply("--round-dpop", "-1")).Message);
    }
}
