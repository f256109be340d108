using OnlyPrompt.Model.Llama;
using OnlyPrompt.Settings;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Generation;

/// <summary>
/// Batched sampling from a causal LM: prompts are left-padded, a KV cache holds earlier positions, and each
/// sequence stops on its own (stop token, stop condition, or the token limit). The same seed gives the same output.
/// </summary>
public sealed class BatchGenerator(LlamaForCausalLM model)
{
    /// <param name="stopCondition">Called with (row, tokens so far) after each new token; true ends that row with
    /// <see cref="FinishReason.StopString"/>.</param>
    // One decode loop, kept whole: its state (ids, key mask, cache, logits, finished rows) would otherwise be passed between pieces.
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<int[]> prompts, SamplingOptions options,
        Func<int, IReadOnlyList<int>, bool>? stopCondition = null)
    {
        options.Validate();
        if (prompts.Count == 0)
            return [];
        for (var i = 0; i < prompts.Count; i++)
            if (prompts[i].Length == 0)
                throw new ArgumentException($"prompts[{i}] is empty; every prompt needs at least one token.", nameof(prompts));
        var promptLength = prompts.Max(p => p.Length);
        var capacity = promptLength + options.MaxNewTokens;
        if (capacity > model.Config.MaxSequenceLength)
            throw new ArgumentException($"Longest prompt ({promptLength} tokens) + MaxNewTokens ({options.MaxNewTokens}) exceeds the model's " +
                $"context of {model.Config.MaxSequenceLength}.");

        using var noGrad = no_grad();
        var device = model.Device;
        var batch = prompts.Count;
        var generator = new Generator((ulong)options.Seed, device);
        var stopTokens = options.StopTokenIds.ToHashSet();
        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        var logProbs = options.LogProbs is null ? null : prompts.Select(_ => new List<TokenLogProb>()).ToArray();
        var reasons = new FinishReason?[batch];
        using var cache = options.UseKvCache ? new KvCache(model.Config, batch, capacity, model.DType, device) : null;
        // After each step only the tensors the next one needs stay: the ids, the key mask and the last logits.
        using var generation = NewDisposeScope();

        var (ids, keyMask) = LeftPad(prompts, promptLength, device);
        var logits = LastLogits(model.call(ids, keyMask, cache));
        for (var step = 0; step < options.MaxNewTokens && reasons.Any(r => r is null); step++)
        {
            var next = TokenSampler.Next(logits, options, generator);                            // [B]
            var chosen = next.cpu().data<long>().ToArray();
            var stepLogProbs = logProbs is null ? null : LogProbsOf(logits, next, options.LogProbs!.Value);
            for (var row = 0; row < batch; row++)
            {
                if (reasons[row] is not null)
                    continue;
                var token = (int)chosen[row];
                if (stopTokens.Contains(token))
                {
                    reasons[row] = FinishReason.EndOfSequence;
                    continue;
                }
                outputs[row].Add(token);
                logProbs?[row].Add(stepLogProbs![row]);
                if (stopCondition?.Invoke(row, outputs[row]) == true)
                    reasons[row] = FinishReason.StopString;
            }
            if (step == options.MaxNewTokens - 1 || reasons.All(r => r is not null))
                break;
            keyMask = cat([keyMask, ones(batch, 1, ScalarType.Bool, device)], 1);                 // [B, past + 1]
            if (cache is not null)
                logits = LastLogits(model.call(next.unsqueeze(1), keyMask, cache));
            else
            {
                ids = cat([ids, next.unsqueeze(1)], 1);                                            // [B, past + 1]
                logits = LastLogits(model.call(ids, keyMask, null));
            }
            generation.DisposeEverythingBut(ids, keyMask, logits);
        }
        return outputs.Select((tokens, row) => new GeneratedSequence(tokens.ToArray(), reasons[row] ?? FinishReason.Length,
            logProbs?[row])).ToArray();
    }

    private static TokenLogProb[] LogProbsOf(Tensor logits, Tensor chosen, int top)
    {
        using var scope = NewDisposeScope();
        var logProbs = logits.to(ScalarType.Float32).log_softmax(-1);                             // [B, vocab]
        var picked = logProbs.gather(1, chosen.unsqueeze(1)).squeeze(1).cpu().data<float>().ToArray();
        var tokens = chosen.cpu().data<long>().ToArray();
        var (topValues, topIndexes) = (Array.Empty<float>(), Array.Empty<long>());
        if (top > 0)
        {
            var (values, indexes) = logProbs.topk(top, dim: -1);                                   // [B, top]
            (topValues, topIndexes) = (values.cpu().data<float>().ToArray(), indexes.cpu().data<long>().ToArray());
        }
        return Enumerable.Range(0, tokens.Length).Select(row => new TokenLogProb((int)tokens[row], picked[row],
            Enumerable.Range(0, top).Select(k => ((int)topIndexes[row * top + k], topValues[row * top + k])).ToArray())).ToArray();
    }

    // [B, T, vocab] is a step's largest tensor (gigabytes at a prefill with a 152k vocabulary), so it goes at once.
    private static Tensor LastLogits(Tensor logits)
    {
        var last = logits[.., -1, ..].contiguous();                                               // [B, vocab]
        logits.Dispose();
        return last;
    }

    private static (Tensor Ids, Tensor KeyMask) LeftPad(IReadOnlyList<int[]> prompts, int length, Device device)
    {
        var ids = new long[prompts.Count * length];
        var mask = new bool[prompts.Count * length];
        for (var row = 0; row < prompts.Count; row++)
        {
            var offset = row * length + length - prompts[row].Length;
            for (var t = 0; t < prompts[row].Length; t++)
            {
                ids[offset + t] = prompts[row][t];
                mask[offset + t] = true;
            }
        }
        return (tensor(ids, [prompts.Count, length], device: device), tensor(mask, [prompts.Count, length], device: device));
    }
}
