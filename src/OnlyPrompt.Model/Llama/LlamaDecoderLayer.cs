using OnlyPrompt.Model.Configuration;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly RmsNorm input_layernorm;
    private readonly LlamaAttention self_attn;
    private readonly RmsNorm post_attention_layernorm;
    private readonly LlamaMlp mlp;

    public LlamaDecoderLayer(LlamaConfig config, int layerIndex) : base(nameof(LlamaDecoderLayer))
    {
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        self_attn = new LlamaAttention(config, layerIndex);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        mlp = new LlamaMlp(config);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, RotaryAngles angles, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(self_attn.Forward(input_layernorm.forward(x), angles, mask, cache));
        return h.Plus(mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
