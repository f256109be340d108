using OnlyPrompt.Model.Llama;
using TorchSharp;
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

    /// <summary>
    /// As <see cref="Attach(LlamaForCausalLM, IReadOnlyList{PreferencePair}, int)"/>, scored in bf16 when training will
    /// compute in bf16 (mixed precision): a reference scored in fp32 would start every pair's log-ratio at the rounding
    /// difference between the two dtypes instead of 0. The model's fp32 weights are restored exactly afterwards.
    /// </summary>
    public static IReadOnlyList<PreferencePair> Attach(LlamaForCausalLM reference, IReadOnlyList<PreferencePair> pairs, int pairsPerBatch,
        bool mixedPrecision)
    {
        if (!mixedPrecision || reference.DType != ScalarType.Float32)
            return Attach(reference, pairs, pairsPerBatch);
        var weights = reference.parameters().Select(p =>
        {
            using var view = p.detach();
            return view.clone();
        }).ToArray();
        reference.to(ScalarType.BFloat16);
        try
        {
            return Attach(reference, pairs, pairsPerBatch);
        }
        finally
        {
            reference.to(ScalarType.Float32);
            using (no_grad())
                foreach (var (parameter, weight) in reference.parameters().Zip(weights))
                    parameter.copy_(weight);
            foreach (var weight in weights)
                weight.Dispose();
        }
    }
}
