using OnlyPrompt.Method.Data;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Model.Tokenization;

namespace OnlyPrompt.Answering;

/// <summary>One pair as the probe reads it: the instruction, the turns before it, and its two answers.</summary>
public sealed record ProbedPair(string Prompt, string Chosen, string Rejected, IReadOnlyList<ChatMessage>? Context = null);

/// <summary>Per pair, the mean token log-prob of each answer after the plain prompt and after the prompt it was sampled with.</summary>
public sealed record PairReadings(double[] ChosenPlain, double[] ChosenPrefixed, double[] RejectedPlain, double[] RejectedPrefixed);

/// <summary>
/// Mean per-token log-probs of a round's pairs under one model: each answer after the plain prompt (where the preference
/// loss trains it) and after the prompt it was sampled with (the 10 / 10 prefix, or the round's lower score). Take one
/// measure before a round trains and one after.
/// </summary>
public sealed class LikelihoodProbe(PretrainedModel model, PromptTemplates templates, int rejectedScore)
{
    private const int BatchSize = 64;

    public PairReadings Measure(IReadOnlyList<ProbedPair> pairs)
    {
        var encoding = new ChatEncoding(model);
        var examples = new List<PromptResponse>();
        foreach (var p in pairs)
        {
            var (chosen, rejected, plain) = (encoding.Response(p.Chosen), encoding.Response(p.Rejected), encoding.Prompt(p.Prompt, p.Context));
            examples.Add(new PromptResponse(plain, chosen));
            examples.Add(new PromptResponse(encoding.Prompt(templates.ChosenInstruction(p.Prompt), p.Context), chosen));
            examples.Add(new PromptResponse(plain, rejected));
            examples.Add(new PromptResponse(encoding.Prompt(templates.RejectedInstruction(p.Prompt, rejectedScore), p.Context), rejected));
        }
        var (sums, counts) = ResponseLogProbs.Score(model.Model, examples, BatchSize);
        double[] Means(int kind) => [.. pairs.Select((_, i) => (double)sums[4 * i + kind] / counts[4 * i + kind])];
        return new PairReadings(Means(0), Means(1), Means(2), Means(3));
    }

    /// <summary>The share of pairs whose reading became less likely from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static double Fell(double[] before, double[] after) => before.Zip(after, (b, a) => a < b ? 1.0 : 0.0).Average();
}
