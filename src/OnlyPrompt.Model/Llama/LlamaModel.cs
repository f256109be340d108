using OnlyPrompt.Model.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>The transformer body (the <c>model.</c> prefix in Hugging Face checkpoints): embeddings, blocks, final norm.</summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor?, KvCache?, Tensor>
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly RotaryEmbedding rotary;
    private readonly LlamaConfig config;

    public LlamaModel(LlamaConfig config) : base(nameof(LlamaModel))
    {
        this.config = config;
        rotary = new RotaryEmbedding(config);
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>();
        for (var i = 0; i < config.NumHiddenLayers; i++)
            layers.Add(new LlamaDecoderLayer(config, i));
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public Parameter EmbeddingWeight => embed_tokens.weight!;

    /// <summary>
    /// Recompute each layer in the backward instead of keeping its activations (training only; see <see cref="CheckpointedLayer"/>).
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    private ScalarType DType => embed_tokens.weight!.dtype;

    private Device Device => embed_tokens.weight!.device;

    /// <returns>Hidden states [B, T, hidden] after the final norm.</returns>
    /// <param name="inputIds">[B, T] int64 token ids: the new tokens only when a cache is given.</param>
    /// <param name="keyMask">
    /// [B, past + T] boolean, true for real tokens and false for padding, covering cached and new positions.
    /// Null means no padding; with no cache the model then runs plain causal attention.
    /// </param>
    /// <param name="cache">Keys and values of earlier positions; this call appends to it.</param>
    public override Tensor forward(Tensor inputIds, Tensor? keyMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long batch = inputIds.shape[0], steps = inputIds.shape[1];
        var past = cache?.Length ?? 0;
        if (past + steps > config.MaxSequenceLength)
            throw new ArgumentException($"Sequence of {past + steps} tokens exceeds the model's context of {config.MaxSequenceLength}.");
        if (keyMask is not null && (keyMask.shape[0] != batch || keyMask.shape[1] != past + steps))
            throw new ArgumentException($"keyMask must be [{batch}, {past + steps}], got [{string.Join(", ", keyMask.shape)}].");
        var angles = rotary.Angles(Positions(keyMask, past, batch, steps), DType);
        var mask = AttentionMask(keyMask, past, steps);
        var h = embed_tokens.call(inputIds);                                               // [B, T, hidden]
        var checkpointed = GradientCheckpointing && cache is null && is_grad_enabled();
        // With frozen embeddings (LoRA) nothing entering the first layer needs a gradient, so its checkpoint would not be
        // part of the graph at all; an input that requires one puts it there (Hugging Face's enable_input_require_grads).
        if (checkpointed && !h.requires_grad)
            h = h.detach().requires_grad_(true);
        foreach (var layer in layers)
            h = checkpointed ? CheckpointedLayer.Apply(layer, h, angles, mask) : layer.call(h, angles, mask, cache);
        cache?.Advance(steps);
        return norm.call(h).MoveToOuterDisposeScope();
    }

    // Left-padded rows count positions from their first real token, as Hugging Face's generate does.
    private Tensor Positions(Tensor? keyMask, long past, long batch, long steps)
    {
        if (keyMask is null)
            return arange(past, past + steps, dtype: ScalarType.Int64, device: Device).unsqueeze(0).expand(batch, steps);
        var counted = keyMask.to(ScalarType.Int64).cumsum(1).sub(LiveScalars.One);           // [B, past + T]
        return counted.clamp_min(LiveScalars.Zero)[.., (int)past..];                          // [B, T]
    }

    /// <returns>[B, 1, T, past + T] boolean, or null when plain causal attention is exact.</returns>
    /// <remarks>
    /// With a sliding window W (Mistral), query i sees keys i - W &lt; j &lt;= i, as in Hugging Face's masks; the cache keeps
    /// every position and the mask hides those that left the window.
    /// </remarks>
    private Tensor? AttentionMask(Tensor? keyMask, long past, long steps)
    {
        var total = past + steps;
        var windowed = config.SlidingWindow is { } w && total > w;
        if (keyMask is null && past == 0 && !windowed)
            return null;
        var queryPositions = arange(past, total, device: Device).unsqueeze(1);               // [T, 1]
        var keyPositions = arange(0, total, device: Device).unsqueeze(0);                    // [1, Tk]
        var allowed = keyPositions.le(queryPositions);                                        // [T, Tk]
        if (windowed)
        {
            using var window = config.SlidingWindow!.Value.ToScalar();
            allowed = allowed.logical_and(keyPositions.gt(queryPositions.sub(window)));
        }
        allowed = allowed.unsqueeze(0);                                                       // [1, T, Tk]
        if (keyMask is not null)
            allowed = allowed.logical_and(keyMask.unsqueeze(1));                              // [B, T, Tk]
        // A padding query has no real key to attend to; letting it see itself avoids NaN rows that would
        // otherwise poison later layers through 0 * NaN.
        allowed = allowed.logical_or(keyPositions.eq(queryPositions).unsqueeze(0));
        return allowed.unsqueeze(1);                                                          // [B, 1, T, Tk]
    }
}
