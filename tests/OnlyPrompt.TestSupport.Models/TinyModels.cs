using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using static TorchSharp.torch;

namespace OnlyPrompt.TestSupport.Models;

/// <summary>Small Llama-family models with fixed seeds, so tests run in milliseconds on CPU.</summary>
public static class TinyModels
{
    static TinyModels() => set_num_threads(1);

    public static LlamaConfig Config(string architecture = "LlamaForCausalLM", bool tied = false, int kvHeads = 2, int vocab = 64) => new()
    {
        Architecture = architecture,
        ModelType = LlamaConfig.SupportedArchitectures[architecture],
        VocabSize = vocab,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = kvHeads,
        HeadDim = 8,
        MaxPositionEmbeddings = 128,
        RopeTheta = 10000,
        TieWordEmbeddings = tied,
        AttentionQkvBias = architecture == "Qwen2ForCausalLM",
        EosTokenIds = [1],
        BosTokenId = 0,
    };

    public static LlamaForCausalLM Create(LlamaConfig? config = null, long seed = 1234)
    {
        var model = LlamaForCausalLM.CreateRandom(config ?? Config(), seed);
        model.eval();
        return model;
    }

    public static Tensor Ids(params long[][] rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], dtype: ScalarType.Int64);

    public static LlamaConfig[] Variants() =>
    [
        Config(),
        Config("MistralForCausalLM", kvHeads: 4),
        Config("Qwen2ForCausalLM", tied: true, kvHeads: 1),
        Config() with { RopeScaling = new Llama3RopeScaling(8, 1, 4, 32), RopeTheta = 500000 },
    ];
}
