using OnlyPrompt.Answering;
using OnlyPrompt.Model;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using PreferenceObjective = OnlyPrompt.Trainer.V1.PreferenceObjective;

namespace OnlyPrompt.Trainer;

/// <summary>
/// A preference pass's likelihood probe (<see cref="V1.LikelihoodProbe"/>): measured on the policy as loaded, before the
/// pass, and on the trained model after it, as <see cref="LikelihoodMetrics"/>.
/// </summary>
internal sealed class PassLikelihoods
{
    private readonly LikelihoodProbe probe;
    private readonly List<ProbedPair> pairs;
    private readonly PairReadings before;

    private PassLikelihoods(LikelihoodProbe probe, List<ProbedPair> pairs)
    {
        (this.probe, this.pairs) = (probe, pairs);
        before = probe.Measure(pairs);
    }

    /// <summary>Null when the pass asks for no probe or has no pairs.</summary>
    public static PassLikelihoods? Before(PretrainedModel model, PreferenceObjective objective, IEnumerable<PreferenceRow> rows)
    {
        var pairs = rows.Select(r => new ProbedPair(r.Prompt, r.Chosen, r.Rejected, r.Context)).ToList();
        return objective.LikelihoodProbe is { } settings && pairs.Count > 0
            ? new PassLikelihoods(new LikelihoodProbe(model, settings.Templates.ToOptions(), settings.RejectedScore), pairs) : null;
    }

    public Dictionary<string, double> After()
    {
        var after = probe.Measure(pairs);
        var metrics = new Dictionary<string, double>();
        void Add(string reading, Func<PairReadings, double[]> of)
        {
            metrics[LikelihoodMetrics.Before(reading)] = of(before).Average();
            metrics[LikelihoodMetrics.After(reading)] = of(after).Average();
        }
        Add(LikelihoodMetrics.ChosenPlain, r => r.ChosenPlain);
        Add(LikelihoodMetrics.ChosenPrefixed, r => r.ChosenPrefixed);
        Add(LikelihoodMetrics.RejectedPlain, r => r.RejectedPlain);
        Add(LikelihoodMetrics.RejectedPrefixed, r => r.RejectedPrefixed);
        metrics[LikelihoodMetrics.Fell(LikelihoodMetrics.ChosenPlain)] = LikelihoodProbe.Fell(before.ChosenPlain, after.ChosenPlain);
        metrics[LikelihoodMetrics.Fell(LikelihoodMetrics.ChosenPrefixed)] = LikelihoodProbe.Fell(before.ChosenPrefixed, after.ChosenPrefixed);
        return metrics;
    }
}
