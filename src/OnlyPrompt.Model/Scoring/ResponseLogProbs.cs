using OnlyPrompt.Model.Llama;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Scoring;

/// <summary>A prompt and a response, as token ids; the response's tokens are the ones scored.</summary>
public sealed record PromptResponse(int[] Prompt, int[] Response);

/// <summary>Right-padded ids [B, T] and a mask [B, T] that is true on response tokens.</summary>
public sealed record ScoringBatch(Tensor InputIds, Tensor ResponseMask) : IDisposable
{
    public static ScoringBatch Build(IReadOnlyList<PromptResponse> examples, Device device, int padId = 0)
    {
        if (examples.Count == 0)
            throw new ArgumentException("A scoring batch needs at least one example.", nameof(examples));
        var length = examples.Max(e => e.Prompt.Length + e.Response.Length);
        var ids = new long[examples.Count * length];
        var mask = new bool[examples.Count * length];
        for (var row = 0; row < examples.Count; row++)
        {
            var (prompt, response) = (examples[row].Prompt, examples[row].Response);
            Array.Fill(ids, padId, row * length, length);
            for (var t = 0; t < prompt.Length; t++)
                ids[row * length + t] = prompt[t];
            for (var t = 0; t < response.Length; t++)
            {
                ids[row * length + prompt.Length + t] = response[t];
                mask[row * length + prompt.Length + t] = true;
            }
        }
        return new ScoringBatch(
            tensor(ids, [examples.Count, length], device: device),
            tensor(mask, [examples.Count, length], device: device));
    }

    public void Dispose()
    {
        InputIds.Dispose();
        ResponseMask.Dispose();
    }
}

/// <summary>The one place response log-probabilities are computed: shift, gather, mask, sum.</summary>
public static class ResponseLogProbs
{
    /// <summary>
    /// The model's summed log-prob of each row's response tokens, memory-lean: when the batch's logits would exceed one
    /// chunk, only the hidden states that predict a response token reach the head, through <see cref="TargetLogProbs"/>
    /// in chunks, so no [B, T, vocab] tensor exists.
    /// Same values as <see cref="Compute(Tensor, Tensor, Tensor)"/> on the model's logits.
    /// </summary>
    /// <returns>Summed log-prob [B] (fp32) and number of counted tokens [B] (fp32).</returns>
    public static (Tensor Sum, Tensor Count) Compute(LlamaForCausalLM model, Tensor inputIds, Tensor responseMask,
        long chunkBytes = TargetLogProbs.ChunkBytes)
    {
        long batch = inputIds.shape[0], steps = inputIds.shape[1];
        // Logits that fit in one chunk take the plain path: the same memory, and bit for bit the numbers it always gave.
        if (batch * steps * model.Config.VocabSize * sizeof(float) <= chunkBytes)
            return Compute(model.call(inputIds, null, null), inputIds, responseMask);
        using var scope = NewDisposeScope();
        var hidden = model.Hidden(inputIds);                                                             // [B, T, H]
        var counted = responseMask.narrow(1, 1, steps - 1);                                              // position t predicts token t + 1
        var positions = counted.reshape(-1).nonzero().squeeze(1);                                        // [N] into [B * (T-1)]
        var states = hidden.narrow(1, 0, steps - 1).reshape(-1, hidden.shape[2]).index_select(0, positions);
        var targets = inputIds.narrow(1, 1, steps - 1).reshape(-1).index_select(0, positions);
        var tokenLogProbs = TargetLogProbs.Compute(states, model.HeadWeight, targets, chunkBytes);      // [N]
        var rows = positions.div(steps - 1, rounding_mode: RoundingMode.trunc);
        var sum = zeros(batch, dtype: ScalarType.Float32, device: inputIds.device).index_add(0, rows, tokenLogProbs, LiveScalars.One);
        var count = counted.to(ScalarType.Float32).sum(1);
        return (sum.MoveToOuterDisposeScope(), count.MoveToOuterDisposeScope());
    }

    /// <summary>The same from logits already at hand (the plain path, kept as the reference of the lean one).</summary>
    /// <param name="logits">[B, T, vocab]: position t predicts token t + 1.</param>
    /// <param name="inputIds">[B, T]</param>
    /// <param name="responseMask">[B, T], true where the token counts.</param>
    /// <returns>Summed log-prob [B] (fp32) and number of counted tokens [B] (fp32).</returns>
    public static (Tensor Sum, Tensor Count) Compute(Tensor logits, Tensor inputIds, Tensor responseMask)
    {
        using var scope = NewDisposeScope();
        var steps = logits.shape[1];
        var predicted = logits.narrow(1, 0, steps - 1).to(ScalarType.Float32).log_softmax(-1);          // [B, T-1, V]
        var targets = inputIds.narrow(1, 1, steps - 1);                                                  // [B, T-1]
        var mask = responseMask.narrow(1, 1, steps - 1).to(ScalarType.Float32);                          // [B, T-1]
        var tokenLogProbs = predicted.gather(-1, targets.unsqueeze(-1)).squeeze(-1);                     // [B, T-1]
        var sum = (tokenLogProbs * mask).sum(1);
        var count = mask.sum(1);
        return (sum.MoveToOuterDisposeScope(), count.MoveToOuterDisposeScope());
    }

    /// <summary>Scores many examples without gradients, in batches; returns per-example summed log-prob and token count.</summary>
    public static (float[] Sum, int[] Count) Score(LlamaForCausalLM model, IReadOnlyList<PromptResponse> examples, int batchSize)
    {
        using var _ = no_grad();
        var sums = new float[examples.Count];
        var counts = new int[examples.Count];
        for (var start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var slice = examples.Skip(start).Take(batchSize).ToList();
            using var batch = ScoringBatch.Build(slice, model.Device);
            var (sum, count) = Compute(model, batch.InputIds, batch.ResponseMask);
            var sumValues = sum.cpu().data<float>().ToArray();
            var countValues = count.cpu().data<float>().ToArray();
            for (var i = 0; i < slice.Count; i++)
                (sums[start + i], counts[start + i]) = (sumValues[i], (int)countValues[i]);
        }
        return (sums, counts);
    }
}
