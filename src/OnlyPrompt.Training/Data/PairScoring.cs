using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Training.Losses;

namespace OnlyPrompt.Training.Data;

/// <summary>Runs chosen and rejected responses of a batch of pairs through a model in one concatenated forward pass.</summary>
public static class PairScoring
{
    /// <param name="nllContext">Also score each chosen response after its <see cref="PreferencePair.NllPrompt"/> (a third row per pair).</param>
    /// <returns>Log-probs of the B chosen responses, then of the B rejected ones; real (unpadded) token count of the batch.</returns>
    public static (PairLogProbs LogProbs, long Tokens) Score(LlamaForCausalLM model, IReadOnlyList<PreferencePair> pairs, bool nllContext = false)
    {
        var examples = pairs.Select(p => new PromptResponse(p.Prompt, p.Chosen))
            .Concat(pairs.Select(p => new PromptResponse(p.Prompt, p.Rejected))).ToList();
        if (nllContext)
            examples.AddRange(pairs.Select(p => new PromptResponse(p.NllPrompt ?? p.Prompt, p.Chosen)));
        using var batch = ScoringBatch.Build(examples, model.Device);                          // [2B or 3B, T]
        var (sum, count) = ResponseLogProbs.Compute(model, batch.InputIds, batch.ResponseMask);
        var b = pairs.Count;
        var tokens = examples.Sum(e => (long)e.Prompt.Length + e.Response.Length);
        return (new PairLogProbs(sum.narrow(0, 0, b), sum.narrow(0, b, b), count.narrow(0, 0, b), count.narrow(0, b, b))
        {
            ChosenInNllContext = nllContext ? sum.narrow(0, 2 * b, b) : null,
        }, tokens);
    }
}
