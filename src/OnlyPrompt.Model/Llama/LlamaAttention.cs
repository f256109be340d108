using OnlyPrompt.Model.Configuration;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>Grouped-query self-attention with rotary embeddings, on libtorch's scaled_dot_product_attention.</summary>
public sealed class LlamaAttention : nn.Module<Tensor, RotaryAngles, Tensor?, KvCache?, Tensor>
{
    private readonly Projection q_proj;
    private readonly Projection k_proj;
    private readonly Projection v_proj;
    private readonly Projection o_proj;
    private readonly int heads;
    private readonly int kvHeads;
    private readonly int headDim;
    private readonly int layerIndex;

    public LlamaAttention(LlamaConfig config, int layerIndex) : base(nameof(LlamaAttention))
    {
        heads = config.NumAttentionHeads;
        kvHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        this.layerIndex = layerIndex;
        q_proj = new Projection(config.HiddenSize, heads * headDim, config.AttentionQkvBias);
        k_proj = new Projection(config.HiddenSize, kvHeads * headDim, config.AttentionQkvBias);
        v_proj = new Projection(config.HiddenSize, kvHeads * headDim, config.AttentionQkvBias);
        o_proj = new Projection(heads * headDim, config.HiddenSize, config.AttentionOutputBias);
        RegisterComponents();
    }

    /// <param name="x">[B, T, hidden]</param>
    /// <param name="mask">[B, 1, T, Tk] boolean (true = may attend), or null for plain causal attention over x alone.</param>
    public override Tensor forward(Tensor x, RotaryAngles angles, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], steps = x.shape[1];
        var q = q_proj.call(x).view(batch, steps, heads, headDim).transpose(1, 2);       // [B, H, T, D]
        var k = k_proj.call(x).view(batch, steps, kvHeads, headDim).transpose(1, 2);     // [B, Hkv, T, D]
        var v = v_proj.call(x).view(batch, steps, kvHeads, headDim).transpose(1, 2);     // [B, Hkv, T, D]
        q = RotaryEmbedding.Apply(q, angles);
        k = RotaryEmbedding.Apply(k, angles);
        if (cache is not null)
            (k, v) = cache.Append(layerIndex, k, v);                                          // [B, Hkv, Tk, D]
        var attended = steps == 1 && heads != kvHeads
            ? DecodeGroupedQueries(q, k, v, mask)
            : Attend(q, RepeatKeyValueHeads(k), RepeatKeyValueHeads(v), mask);               // [B, H, T, D]
        var merged = attended.transpose(1, 2).reshape(batch, steps, heads * headDim);         // [B, T, H*D]
        return o_proj.call(merged).MoveToOuterDisposeScope();
    }

    private static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask) => mask is null
        ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)
        : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);

    // One query per sequence (a decode step): the G query heads that share a key/value head become G query
    // rows against that head, so the cached keys and values are read in place instead of copied G times.
    private Tensor DecodeGroupedQueries(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        var batch = q.shape[0];
        var grouped = q.view(batch, kvHeads, heads / kvHeads, headDim);                     // [B, Hkv, G, D]
        var attended = Attend(grouped, k, v, mask ?? ones(batch, 1, 1, k.shape[2], ScalarType.Bool, q.device));
        return attended.view(batch, heads, 1, headDim);                                       // [B, H, 1, D]
    }

    // scaled_dot_product_attention in this libtorch has no GQA flag: share each key/value head with its query group.
    private Tensor RepeatKeyValueHeads(Tensor kv)
    {
        var groups = heads / kvHeads;
        if (groups == 1)
            return kv;
        long batch = kv.shape[0], steps = kv.shape[2];
        return kv.unsqueeze(2).expand(batch, kvHeads, groups, steps, headDim)                 // [B, Hkv, G, Tk, D]
            .reshape(batch, heads, steps, headDim);                                           // [B, H, Tk, D]
    }
}
