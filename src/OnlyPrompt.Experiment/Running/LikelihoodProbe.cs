using OnlyPrompt.Answering;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Scoring;

namespace OnlyPrompt.Experiment.Running;

/// <summary>
/// Mean per-token log-probs of a round's kept answers under one model: each answer after the plain prompt (where the
/// preference loss trains it) and after the prompt it was sampled with (the 10 / 10 prefix, or the round's lower score).
/// </summary>
public sealed record Likelihoods(double ChosenPlain, double ChosenPrefixed, double RejectedPlain, double RejectedPrefixed);

/// <summary>What a round's training did to the likelihood of its own pairs: before (the policy the round starts from), after (the new policy).</summary>
public sealed record LikelihoodShift(Likelihoods Before, Likelihoods After, double ChosenPlainFell, double ChosenPrefixedFell)
{
    public Likelihoods Change => new(After.ChosenPlain - Before.ChosenPlain, After.ChosenPrefixed - Before.ChosenPrefixed,
        After.RejectedPlain - Before.RejectedPlain, After.RejectedPrefixed - Before.RejectedPrefixed);
}

/// <summary>Measures <see cref="Likelihoods"/> on the kept pairs; take one measure before a round trains and one after.</summary>
public sealed class LikelihoodProbe(PretrainedModel model, PromptTemplates templates, ChatEncoding encoding)
{
    private const int BatchSize = 64;

    /// <summary>Per-pair mean token log-probs, in the order chosen-plain, chosen-prefixed, rejected-plain, rejected-prefixed.</summary>
    public double[][] Measure(IReadOnlyList<SampledPair> pairs)
    {
        var examples = new List<PromptResponse>();
        foreach (var p in pairs)
        {
            var (chosen, rejected) = (encoding.Response(p.Chosen), encoding.Response(p.Rejected));
            examples.Add(new PromptResponse(encoding.Prompt(p.Prompt), chosen));
            examples.Add(new PromptResponse(encoding.Prompt(templates.ChosenInstruction(p.Prompt)), chosen));
            examples.Add(new PromptResponse(encoding.Prompt(p.Prompt), rejected));
            examples.Add(new PromptResponse(encoding.Prompt(templates.RejectedInstruction(p.Prompt, p.RejectedScore)), rejected));
        }
        var (sums, counts) = ResponseLogProbs.Score(model.Model, examples, BatchSize);
        return Enumerable.Range(0, 4).Select(kind => pairs.Select((_, i) => (double)sums[4 * i + kind] / counts[4 * i + kind]).ToArray()).ToArray();
    }

    public static LikelihoodShift Shift(double[][] before, double[][] after)
    {
        static Likelihoods Mean(double[][] m) => new(m[0].Average(), m[1].Average(), m[2].Average(), m[3].Average());
        static double Fell(double[] b, double[] a) => b.Zip(a, (x, y) => y < x ? 1.0 : 0.0).Average();
        return new LikelihoodShift(Mean(before), Mean(after), Fell(before[0], after[0]), Fell(before[1], after[1]));
    }
}
