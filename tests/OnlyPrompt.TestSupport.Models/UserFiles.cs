using System.Text.Json;

namespace OnlyPrompt.TestSupport.Models;

/// <summary>Where <see cref="UserFiles.Write"/> put each thing.</summary>
public sealed record UserFileSet(string Model, string RewardModel, string Sft, string Preferences, string Prompts, string Eval);

/// <summary>
/// What a user brings, as the tests of the "your model, your data" path use it: a random Qwen2-shaped model with the
/// real Qwen3 tokenizer and chat template, a tiny reward model, SFT conversations in Parquet, UltraFeedback-shaped
/// preferences with scores in JSON Lines, prompt conversations in Parquet (some with a system message) and an AlpacaEval JSON array.
/// </summary>
public static class UserFiles
{
    public static object[] Conversation(params (string Role, string Content)[] turns) =>
        turns.Select(t => (object)new Dictionary<string, string> { ["role"] = t.Role, ["content"] = t.Content }).ToArray();

    /// <param name="constantReward">A reward model that scores every answer 0.</param>
    public static UserFileSet Write(string directory, bool constantReward = false)
    {
        string In(string name) => Path.Combine(directory, name);
        var template = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizedModels.PackageModels("tokenizer-qwen3"),
            "tokenizer_config.json")))!
            ["chat_template"]!.GetValue<string>();
        TokenizedModels.Write(In("model"), "tokenizer-qwen3", "Qwen2ForCausalLM", template, null, "<|im_end|>");
        var reward = TinyRewardModels.Write(directory, constant: constantReward);
        IndependentParquet.Write(In("train_sft.parquet"), new Dictionary<string, string> { ["messages"] = "messages" },
            Enumerable.Range(0, 8).Select(i => (object)new { messages = Conversation(("system", "Answer briefly."), ("user", $"Sort {i} 3 1"),
                ("assistant", $"1 3 {i}")) }));
        File.WriteAllLines(In("prefs.jsonl"), Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new
        {
            prompt = $"Name color {i}",
            chosen = Conversation(("user", $"Name color {i}"), ("assistant", "Blue.")),
            rejected = Conversation(("user", $"Name color {i}"), ("assistant", "Dog.")),
            score_chosen = 8.0, score_rejected = 3.0,
        })));
        // Half the round prompts carry a system message: it is asked as it is, and the prefixes go into the user turn.
        IndependentParquet.Write(In("prompts.parquet"), new Dictionary<string, string> { ["messages"] = "messages" },
            Enumerable.Range(0, 6).Select(i => (object)new { messages = i % 2 == 0
                ? Conversation(("system", "Answer briefly."), ("user", $"Reverse the words: a b {i}"))
                : Conversation(("user", $"Reverse the words: a b {i}")) }));
        File.WriteAllText(In("alpaca_eval.json"), JsonSerializer.Serialize(Enumerable.Range(0, 4).Select(i => new
        {
            instruction = $"What is {i} plus {i}?", output = $"{2 * i}", generator = "reference", dataset = i % 2 == 0 ? "even" : "odd",
        }), new JsonSerializerOptions { WriteIndented = true }));
        return new UserFileSet(In("model"), reward, In("train_sft.parquet"), In("prefs.jsonl"), In("prompts.parquet"), In("alpaca_eval.json"));
    }
}
