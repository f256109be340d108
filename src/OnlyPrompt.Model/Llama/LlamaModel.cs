using OnlyPrompt.Model.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>The transformer body (the <c>model.</c> prefix in Hugging Face checkpoints): embeddings, blocks, final norm.</summary>
public sealed class LlamaModel : nn.Module
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;

    public LlamaModel(LlamaConfig config) : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>();
        for (var i = 0; i < config.NumHiddenLayers; i++)
            layers.Add(new LlamaDecoderLayer(config, i));
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public Parameter EmbeddingWeight => embed_tokens.weight!;

    /// <returns>Hidden states [B, T, hidden] after the final norm.</returns>
    public Tensor Forward(Tensor inputIds, RotaryAngles angles, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = embed_tokens.forward(inputIds);                                               // [B, T, hidden]
        foreach (var layer in layers)
            h = layer.Forward(h, angles, mask, cache);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
