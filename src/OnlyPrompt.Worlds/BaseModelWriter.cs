using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OnlyPrompt.Model.Configuration;

namespace OnlyPrompt.Worlds;

/// <summary>
/// Writes the default experiment's base model as a Hugging Face model folder without weights: a Llama config.json,
/// a WordLevel tokenizer.json over every word the world uses and a Zephyr-style chat template in
/// tokenizer_config.json. Its weights are initialised from the seed where libtorch runs (the Trainer's
/// InitialiseModel, or the in-process runner), so the tiny model goes through the same loading code as a downloaded one.
/// </summary>
public static class BaseModelWriter
{
    public const string Unknown = "<unk>";
    public const string EndOfSequence = "</s>";
    private static readonly string[] Specials = [Unknown, EndOfSequence, "<|system|>", "<|user|>", "<|assistant|>"];

    private const string ZephyrTemplate =
        "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n" +
        "{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n" +
        "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n" +
        "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    public static void Write(string directory, TinyModelOptions size, IEnumerable<string> texts)
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        var pieces = new Regex(@"\w+|[^\w\s]+");
        foreach (var text in texts.Concat(WorldGenerator.AllTemplateTexts()).Concat(TaskGenerator.Digits).Concat(TaskGenerator.Letters))
            foreach (Match match in pieces.Matches(text))
                words.Add(match.Value);
        var vocabulary = Specials.Concat(words.Where(w => !Specials.Contains(w))).Select((w, i) => (w, i)).ToList();

        Directory.CreateDirectory(directory);
        var indented = new JsonSerializerOptions { WriteIndented = true };
        new LlamaConfig
        {
            VocabSize = vocabulary.Count,
            HiddenSize = size.Dim,
            IntermediateSize = (size.Dim * 8 / 3 + 31) / 32 * 32,
            NumHiddenLayers = size.Layers,
            NumAttentionHeads = size.Heads,
            NumKeyValueHeads = size.KvHeads,
            HeadDim = size.Dim / size.Heads,
            MaxPositionEmbeddings = size.MaxPositions,
            TieWordEmbeddings = true,
            EosTokenIds = [1],
        }.Save(Path.Combine(directory, "config.json"));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson(vocabulary).ToJsonString());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["eos_token"] = EndOfSequence,
            ["unk_token"] = Unknown,
            ["model_max_length"] = size.MaxPositions,
            ["chat_template"] = ZephyrTemplate,
        }.ToJsonString(indented));
    }

    private static JsonObject TokenizerJson(List<(string Word, int Id)> vocabulary) => new()
    {
        ["version"] = "1.0",
        ["truncation"] = null,
        ["padding"] = null,
        ["added_tokens"] = new JsonArray(Specials.Select((s, i) => (JsonNode)new JsonObject
        {
            ["id"] = i, ["content"] = s, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
        }).ToArray()),
        ["normalizer"] = null,
        ["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" },
        ["post_processor"] = null,
        ["decoder"] = null,
        ["model"] = new JsonObject
        {
            ["type"] = "WordLevel",
            ["vocab"] = new JsonObject(vocabulary.Select(v => KeyValuePair.Create(v.Word, (JsonNode?)v.Id))),
            ["unk_token"] = Unknown,
        },
    };
}
