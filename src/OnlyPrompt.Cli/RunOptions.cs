using System.Globalization;
using OnlyPrompt.Settings;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Cli;

/// <summary>The per-round options both <c>experiment</c> and <c>run</c> accept on top of a preset.</summary>
public static class RunOptions
{
    /// <summary>The run kind of <c>--kind</c> (default: the method itself).</summary>
    public static string Kind(Arguments arguments) => CheckKind("--kind", arguments.Text("--kind") ?? RunKinds.OnlyPrompting);

    public static string CheckKind(string option, string kind)
    {
        try
        {
            RunKinds.Describe(kind);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
        return kind;
    }

    public static ExperimentOptions Apply(Arguments arguments, ExperimentOptions options)
    {
        if (arguments.List("--schedule", s => int.Parse(s, CultureInfo.InvariantCulture)) is { } schedule)
        {
            options = options with { RejectedScores = schedule };
            if (arguments.Text("--round-lr") is null)
                options = options with { RoundLearningRates = Enumerable.Range(0, schedule.Count).Select(r =>
                    options.RoundTraining.LearningRate / Math.Pow(2, r)).ToList() };
        }
        if (arguments.List("--round-lr", s => double.Parse(s, CultureInfo.InvariantCulture)) is { } rates)
            options = options with { RoundLearningRates = rates };
        try
        {
            if (arguments.Text("--round-loss") is { } loss)
                options = options with { RoundLoss = PreferenceLossFacts.Parse(loss) };
            if (arguments.Number("--round-beta") is { } beta)
                options = options with { RoundSettings = options.RoundSettings with { Beta = beta } };
            if (arguments.Number("--round-nll") is { } nll)
                options = options with { RoundSettings = options.RoundSettings with { ChosenNllWeight = nll } };
            if (arguments.Integer("--round-epochs") is { } epochs)
                options = options with { RoundTraining = options.RoundTraining with { Epochs = epochs } };
            if (arguments.Integer("--round-batch-tokens") is { } tokens)
                options = options with { RoundTraining = options.RoundTraining with { TokensPerBatch = tokens } };
            if (arguments.Number("--round-dpop") is { } dpop)
                options = options with { RoundSettings = options.RoundSettings with { ChosenPenaltyWeight = dpop } };
            if (arguments.Text("--nll-context") is { } context)
                options = options with
                {
                    NllAfterChosenPrefix = context switch
                    {
                        "plain" => false,
                        "chosen-prefix" => true,
                        _ => throw new UsageException($"--nll-context: '{context}' is not one of plain, chosen-prefix."),
                    },
                };
            if (arguments.Number("--temperature") is { } temperature)
                options = options with { Sampling = options.Sampling with { Temperature = temperature } };
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        return options;
    }
}
