using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Training.Losses;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Data;

/// <summary>Runs chosen and rejected responses of a batch of pairs through a model in one concatenated forward pass.</summary>
public static class PairScoring
{
    /// <returns>Log-probs of the B chosen responses, then of the B rejected ones; real (unpadded) token count of the batch.</returns>
    public static (PairLogProbs LogProbs, long Tokens) Score(LlamaForCausalLM model, IReadOnlyList<PreferencePair> pairs)
    {
        var examples = pairs.Select(p => new PromptResponse(p.Prompt, p.Chosen))
            .Concat(pairs.Select(p => new PromptResponse(p.Prompt, p.Rejected))).ToList();
        using var batch = ScoringBatch.Build(examples, model.Device);                          // [2B, T]
        var (sum, count) = ResponseLogProbs.Compute(model.Forward(batch.InputIds), batch.InputIds, batch.ResponseMask);
        var b = pairs.Count;
        var tokens = examples.Sum(e => (long)e.Prompt.Length + e.Response.Length);
        return (new PairLogProbs(sum.narrow(0, 0, b), sum.narrow(0, b, b), count.narrow(0, 0, b), count.narrow(0, b, b)), tokens);
    }
}

/// <summary>
/// Reference log-probs computed once per dataset, without gradients, and stored with the pairs, so training
/// holds one model. Pairs are scored in batches of the given size, in order.
/// </summary>
public static class ReferenceCache
{
    public static IReadOnlyList<PreferencePair> Attach(LlamaForCausalLM reference, IReadOnlyList<PreferencePair> pairs, int pairsPerBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pairsPerBatch, 0);
        using var _ = no_grad();
        var result = new List<PreferencePair>(pairs.Count);
        for (var start = 0; start < pairs.Count; start += pairsPerBatch)
        {
            using var scope = NewDisposeScope();
            var batch = pairs.Skip(start).Take(pairsPerBatch).ToList();
            var (logProbs, _) = PairScoring.Score(reference, batch);
            var chosen = logProbs.Chosen.cpu().data<float>().ToArray();
            var rejected = logProbs.Rejected.cpu().data<float>().ToArray();
            result.AddRange(batch.Select((p, i) => p with { ReferenceChosen = chosen[i], ReferenceRejected = rejected[i] }));
        }
        return result;
    }
}
