using OnlyPrompt.Cli;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Services.Tests;

/// <summary>The round options of <c>onlyprompt run</c> and <c>experiment</c> reach the RunSpec the Orchestrator gets.</summary>
public sealed class RunOptionsTests
{
    private static ExperimentOptions Apply(params string[] args) =>
        RunOptions.Apply(Arguments.For("run", args), ExperimentOptions.Preset("smoke", 1));

    [Fact]
    public void The_NLL_context_and_DPOPs_penalty_reach_every_round_of_the_spec()
    {
        var spec = RunSpecs.FromExperiment(Apply("--nll-context", "chosen-prefix", "--round-dpop", "5"));
        Assert.All(spec.Rounds, round => Assert.True(round.NllAfterChosenPrefix));
        Assert.All(spec.Rounds, round => Assert.Equal(5, round.Train.Loss.ChosenPenaltyWeight));
        Assert.All(RunSpecs.FromExperiment(Apply()).Rounds, round => Assert.False(round.NllAfterChosenPrefix));
        // The study's pi_0 reference reaches the spec; the method's is the previous round's model.
        Assert.Equal(Orchestrator.V1.RoundReference.Previous, RunSpecs.FromExperiment(Apply()).RoundReference);
        Assert.Equal(Orchestrator.V1.RoundReference.Initial,
            RunSpecs.FromExperiment(Apply() with { RoundReference = RoundReference.Initial }).RoundReference);
    }

    [Fact]
    public void Bad_round_options_are_refused_naming_the_option_or_setting()
    {
        Assert.Contains("--nll-context: 'prefixed' is not one of plain, chosen-prefix",
            Assert.Throws<UsageException>(() => Apply("--nll-context", "prefixed")).Message);
        Assert.Contains("NllAfterChosenPrefix needs an NLL term",
            Assert.Throws<UsageException>(() => Apply("--nll-context", "chosen-prefix", "--round-nll", "0")).Message);
        Assert.Contains("DPO only", Assert.Throws<UsageException>(() => Apply("--round-dpop", "5", "--round-loss", "ipo")).Message);
        Assert.Contains("ChosenPenaltyWeight", Assert.Throws<UsageException>(() => Apply("--round-dpop", "-1")).Message);
    }
}

/// <summary>The command line as System.CommandLine parses it: refusals name the option, and every option explains itself in --help.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Unknown_options_and_options_without_a_value_are_refused_naming_them()
    {
        Assert.Contains("'--schedul'", Assert.Throws<UsageException>(() => Arguments.For("run", "--schedul", "3,5")).Message);
        Assert.Contains("'--seed'", Assert.Throws<UsageException>(() => Arguments.For("run", "--seed")).Message);
        Assert.Contains("--seed: 'x' is not valid",
            Assert.Throws<UsageException>(() => Arguments.For("run", "--seed", "x").Integer("--seed")).Message);
        Assert.Throws<UsageException>(() => Arguments.For("list", "--preset", "smoke")); // a client command takes no world
    }

    [Fact]
    public void Values_are_read_in_the_invariant_culture_and_lists_split_on_commas()
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            var arguments = Arguments.For("run", "--round-beta", "0.25", "--schedule", "3, 5,7", "--detach");
            Assert.Equal(0.25, arguments.Number("--round-beta"));
            Assert.Equal([3, 5, 7], arguments.List("--schedule", int.Parse));
            Assert.True(arguments.Flag("--detach"));
            Assert.False(arguments.Flag("--no-reuse"));
            Assert.Equal("abc", Arguments.For("watch", "abc").Positional);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void Every_command_and_option_has_help_text()
    {
        var root = CliCommands.Root();
        Assert.Equal(["run", "compare", "watch", "get", "cancel", "list", "report"], root.Subcommands.Select(c => c.Name));
        foreach (var command in root.Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), command.Name);
            Assert.All(command.Options, option => Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{command.Name} {option.Name}"));
        }
        var help = new StringWriter();
        root.Parse(["run", "--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = help });
        Assert.Contains("--lora <RANK>", help.ToString());
    }
}
