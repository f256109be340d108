using OnlyPrompt.Model.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>
/// A Llama-family causal language model whose parameter names are Hugging Face's
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, ..., <c>lm_head.weight</c> unless the head is tied).
/// </summary>
public sealed class LlamaForCausalLM : nn.Module
{
    private readonly LlamaModel model;
    private readonly Linear? lm_head;
    private readonly RotaryEmbedding rotary;

    public LlamaForCausalLM(LlamaConfig config) : base(nameof(LlamaForCausalLM))
    {
        Config = config;
        model = new LlamaModel(config);
        if (!config.TieWordEmbeddings)
            lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        rotary = new RotaryEmbedding(config);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    public ScalarType DType => model.EmbeddingWeight.dtype;

    public Device Device => model.EmbeddingWeight.device;

    /// <summary>A freshly initialised model (normal(0, 0.02) weights, unit norms, zero biases), reproducible from the seed.</summary>
    public static LlamaForCausalLM CreateRandom(LlamaConfig config, long seed)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        var created = new LlamaForCausalLM(config);
        foreach (var (name, parameter) in created.named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                parameter.fill_(1);
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
                parameter.zero_();
            else
                parameter.normal_(0, 0.02, generator);
        }
        return created;
    }

    /// <summary>Runs the model and returns logits [B, T, vocab].</summary>
    /// <param name="inputIds">[B, T] int64 token ids: the new tokens only when a cache is given.</param>
    /// <param name="keyMask">
    /// [B, past + T] boolean, true for real tokens and false for padding, covering cached and new positions.
    /// Null means no padding; with no cache the model then runs plain causal attention.
    /// </param>
    /// <param name="cache">Keys and values of earlier positions; this call appends to it.</param>
    public Tensor Forward(Tensor inputIds, Tensor? keyMask = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var hidden = Hidden(inputIds, keyMask, cache);
        var logits = lm_head is null
            ? nn.functional.linear(hidden, model.EmbeddingWeight)
            : lm_head.forward(hidden);                                                        // [B, T, vocab]
        return logits.MoveToOuterDisposeScope();
    }

    private Tensor Hidden(Tensor inputIds, Tensor? keyMask, KvCache? cache)
    {
        long batch = inputIds.shape[0], steps = inputIds.shape[1];
        var past = cache?.Length ?? 0;
        if (past + steps > Config.MaxSequenceLength)
            throw new ArgumentException($"Sequence of {past + steps} tokens exceeds the model's context of {Config.MaxSequenceLength}.");
        if (keyMask is not null && (keyMask.shape[0] != batch || keyMask.shape[1] != past + steps))
            throw new ArgumentException($"keyMask must be [{batch}, {past + steps}], got [{string.Join(", ", keyMask.shape)}].");
        var positions = Positions(keyMask, past, batch, steps);                               // [B, T]
        var angles = rotary.Angles(positions, DType);
        var mask = AttentionMask(keyMask, past, steps);
        var hidden = model.Forward(inputIds, angles, mask, cache);
        cache?.Advance(steps);
        return hidden;
    }

    // Left-padded rows count positions from their first real token, as Hugging Face's generate does.
    private Tensor Positions(Tensor? keyMask, long past, long batch, long steps)
    {
        if (keyMask is null)
            return arange(past, past + steps, dtype: ScalarType.Int64, device: Device).unsqueeze(0).expand(batch, steps);
        var counted = keyMask.to(ScalarType.Int64).cumsum(1) - 1;                            // [B, past + T]
        return counted.clamp_min(0)[.., (int)past..];                                         // [B, T]
    }

    /// <returns>[B, 1, T, past + T] boolean, or null when plain causal attention is exact.</returns>
    private Tensor? AttentionMask(Tensor? keyMask, long past, long steps)
    {
        if (keyMask is null && past == 0)
            return null;
        var total = past + steps;
        var queryPositions = arange(past, total, device: Device).unsqueeze(1);               // [T, 1]
        var keyPositions = arange(0, total, device: Device).unsqueeze(0);                    // [1, Tk]
        var allowed = keyPositions.le(queryPositions).unsqueeze(0);                           // [1, T, Tk]
        if (keyMask is not null)
            allowed = allowed.logical_and(keyMask.unsqueeze(1));                              // [B, T, Tk]
        // A padding query has no real key to attend to; letting it see itself avoids NaN rows that would
        // otherwise poison later layers through 0 * NaN.
        allowed = allowed.logical_or(keyPositions.eq(queryPositions).unsqueeze(0));
        return allowed.unsqueeze(1);                                                          // [B, 1, T, Tk]
    }
}
