using OnlyPrompt.Model.Configuration;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, RotaryAngles, Tensor?, KvCache?, Tensor>
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

    public override Tensor forward(Tensor x, RotaryAngles angles, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(self_attn.call(input_layernorm.call(x), angles, mask, cache));
        return h.Plus(mlp.call(post_attention_layernorm.call(h))).MoveToOuterDisposeScope();
    }
}
