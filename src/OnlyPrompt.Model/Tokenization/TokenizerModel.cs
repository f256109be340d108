using System.Text.Json.Nodes;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>The part of a tokenizer that turns one pre-tokenized word into ids.</summary>
public abstract class TokenizerModel
{
    protected TokenizerModel(Dictionary<string, int> vocabulary)
    {
        Vocabulary = vocabulary;
        IdToToken = vocabulary.ToDictionary(p => p.Value, p => p.Key);
    }

    public Dictionary<string, int> Vocabulary { get; }

    public Dictionary<int, string> IdToToken { get; }

    public abstract void Encode(string word, List<int> ids);

    public static TokenizerModel FromJson(JsonObject json, string source)
    {
        var type = json["type"]?.GetValue<string>();
        if (type == "Unigram")
            return UnigramModel.Parse(json, source);
        if (json["vocab"] is not JsonObject vocabJson)
            throw new ModelFormatException($"{source}: model.vocab must be an object of token -> id.");
        var vocabulary = vocabJson.ToDictionary(p => p.Key, p => p.Value!.GetValue<int>());
        var unknown = json["unk_token"]?.GetValue<string>();
        int? unknownId = unknown is not null && vocabulary.TryGetValue(unknown, out var u) ? u : null;
        return type switch
        {
            "BPE" => BytePairModel.Parse(json, vocabulary, unknownId, source),
            "WordLevel" => new WordLevelModel(vocabulary, unknownId
                ?? throw new ModelFormatException($"{source}: WordLevel model needs an unk_token that is in its vocab.")),
            _ => throw new ModelFormatException($"{source}: model type '{type}' is not supported; supported: BPE, Unigram, WordLevel."),
        };
    }

    /// <summary>SentencePiece's byte fallback: the UTF-8 bytes of <paramref name="piece"/> as <c>&lt;0xNN&gt;</c> tokens, if all exist.</summary>
    protected bool TryAddBytes(string piece, List<int> ids)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(piece);
        var byteIds = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            if (!Vocabulary.TryGetValue($"<0x{bytes[i]:X2}>", out byteIds[i]))
                return false;
        ids.AddRange(byteIds);
        return true;
    }
}
