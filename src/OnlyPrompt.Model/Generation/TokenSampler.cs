using OnlyPrompt.Model.Llama;
using OnlyPrompt.Settings;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Generation;

/// <summary>Picks the next token from last-position logits with temperature, top-k and top-p.</summary>
public static class TokenSampler
{
    /// <param name="logits">[B, vocab]</param>
    /// <returns>[B] int64 token ids.</returns>
    public static Tensor Next(Tensor logits, SamplingOptions options, Generator generator)
    {
        using var scope = NewDisposeScope();
        var scores = logits.to(ScalarType.Float32);
        if (options.Temperature == 0)
            return scores.argmax(-1).MoveToOuterDisposeScope();
        using (var temperature = options.Temperature.ToScalar())
            scores = scores.div(temperature);
        if (options.TopK > 0 && options.TopK < scores.shape[^1])
        {
            var (kth, _) = scores.topk(options.TopK, dim: -1);                                   // [B, k]
            scores = scores.masked_fill(scores < kth.narrow(-1, options.TopK - 1, 1), LiveScalars.NegativeInfinity);
        }
        if (options.TopP < 1)
        {
            var (sorted, order) = scores.sort(-1, descending: true);                              // [B, V]
            var probabilities = sorted.softmax(-1);
            // Drop a token when the tokens ranked above it already reach the mass; the top token always stays.
            using var topP = options.TopP.ToScalar();
            var drop = (probabilities.cumsum(-1) - probabilities).gt(topP);
            var dropInVocabularyOrder = zeros_like(drop).scatter(-1, order, drop);
            scores = scores.masked_fill(dropInVocabularyOrder, LiveScalars.NegativeInfinity);
        }
        return scores.softmax(-1).multinomial(1, generator: generator).squeeze(-1).MoveToOuterDisposeScope();
    }
}
