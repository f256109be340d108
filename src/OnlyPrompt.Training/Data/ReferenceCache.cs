using OnlyPrompt.Model.Llama;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Data;

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
