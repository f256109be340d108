using OnlyPrompt.Model.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>
/// A Llama-family causal language model whose parameter names are Hugging Face's
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, ..., <c>lm_head.weight</c> unless the head is tied).
/// </summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor?, KvCache?, Tensor>, ILlamaModule
{
    private readonly LlamaModel model;
    private readonly Linear? lm_head;

    public LlamaForCausalLM(LlamaConfig config) : base(nameof(LlamaForCausalLM))
    {
        Config = config;
        model = new LlamaModel(config);
        if (!config.TieWordEmbeddings)
            lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    /// <summary>Activation checkpointing per decoder layer while gradients are on (Hugging Face's gradient_checkpointing).</summary>
    public bool GradientCheckpointing
    {
        get => model.GradientCheckpointing;
        set => model.GradientCheckpointing = value;
    }

    public ScalarType DType => model.EmbeddingWeight.dtype;

    public Device Device => model.EmbeddingWeight.device;

    /// <summary>
    /// A freshly initialised model (normal(0, 0.02) weights, unit norms, zero biases), reproducible from the seed, drawn in
    /// <paramref name="dtype"/> so that a bf16 model is never held in fp32.
    /// </summary>
    public static LlamaForCausalLM CreateRandom(LlamaConfig config, long seed, ScalarType dtype = ScalarType.Float32)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        var created = new LlamaForCausalLM(config);
        created.to(dtype);
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

    /// <summary>The output head's weight [vocab, hidden]: lm_head, or the input embeddings when they are tied.</summary>
    public Tensor HeadWeight => lm_head?.weight ?? model.EmbeddingWeight;

    /// <summary>The hidden states [B, T, hidden] after the final norm, before the head (no padding, no cache).</summary>
    public Tensor Hidden(Tensor inputIds) => model.call(inputIds, null, null);

    /// <summary>Runs the model and returns logits [B, T, vocab].</summary>
    /// <param name="inputIds">[B, T] int64 token ids: the new tokens only when a cache is given.</param>
    /// <param name="keyMask">
    /// [B, past + T] boolean, true for real tokens and false for padding, covering cached and new positions.
    /// Null means no padding; with no cache the model then runs plain causal attention.
    /// </param>
    /// <param name="cache">Keys and values of earlier positions; this call appends to it.</param>
    public override Tensor forward(Tensor inputIds, Tensor? keyMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = model.call(inputIds, keyMask, cache);
        var logits = lm_head is null
            ? nn.functional.linear(hidden, model.EmbeddingWeight)
            : lm_head.call(hidden);                                                        // [B, T, vocab]
        return logits.MoveToOuterDisposeScope();
    }
}
