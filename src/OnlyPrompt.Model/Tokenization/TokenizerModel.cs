using System.Collections.Concurrent;
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

    public static TokenizerModel Parse(JsonObject json, string source)
    {
        var type = json["type"]?.GetValue<string>();
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
            _ => throw new ModelFormatException($"{source}: model type '{type}' is not supported; supported: BPE, WordLevel."),
        };
    }
}

/// <summary>Whole words looked up in a vocabulary; anything else is the unknown token.</summary>
public sealed class WordLevelModel(Dictionary<string, int> vocabulary, int unknownId) : TokenizerModel(vocabulary)
{
    public override void Encode(string word, List<int> ids) =>
        ids.Add(Vocabulary.TryGetValue(word, out var id) ? id : unknownId);
}

/// <summary>Byte-pair encoding: merge the adjacent pair with the lowest merge rank until none applies.</summary>
public sealed class BytePairModel : TokenizerModel
{
    private readonly Dictionary<(string, string), int> mergeRanks;
    private readonly bool ignoreMerges;
    private readonly bool byteFallback;
    private readonly int? unknownId;
    private readonly ConcurrentDictionary<string, int[]> cache = new();

    private BytePairModel(Dictionary<string, int> vocabulary, Dictionary<(string, string), int> mergeRanks, bool ignoreMerges, bool byteFallback, int? unknownId)
        : base(vocabulary)
    {
        this.mergeRanks = mergeRanks;
        this.ignoreMerges = ignoreMerges;
        this.byteFallback = byteFallback;
        this.unknownId = unknownId;
    }

    public static BytePairModel Parse(JsonObject json, Dictionary<string, int> vocabulary, int? unknownId, string source)
    {
        foreach (var unsupported in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (json[unsupported] is JsonValue v && v.GetValue<string>() is { Length: > 0 })
                throw new ModelFormatException($"{source}: BPE option '{unsupported}' is not supported.");
        if (json["dropout"] is JsonValue dropout && dropout.GetValue<double>() > 0)
            throw new ModelFormatException($"{source}: BPE dropout is not supported (tokenization must be deterministic).");
        var ranks = new Dictionary<(string, string), int>();
        if (json["merges"] is JsonArray merges)
            for (var i = 0; i < merges.Count; i++)
            {
                var pair = merges[i] switch
                {
                    JsonArray { Count: 2 } two => (two[0]!.GetValue<string>(), two[1]!.GetValue<string>()),
                    JsonValue text when text.GetValue<string>().Split(' ') is { Length: 2 } parts => (parts[0], parts[1]),
                    _ => throw new ModelFormatException($"{source}: model.merges[{i}] is not a pair of tokens."),
                };
                ranks.TryAdd(pair, i);
            }
        return new BytePairModel(vocabulary, ranks, json["ignore_merges"]?.GetValue<bool>() ?? false,
            json["byte_fallback"]?.GetValue<bool>() ?? false, unknownId);
    }

    public override void Encode(string word, List<int> ids)
    {
        if (ignoreMerges && Vocabulary.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }
        ids.AddRange(cache.GetOrAdd(word, Merge));
    }

    private int[] Merge(string word)
    {
        var symbols = new List<string>();
        for (var i = 0; i < word.Length; i += char.IsSurrogatePair(word, i) ? 2 : 1)
            symbols.Add(word.Substring(i, char.IsSurrogatePair(word, i) ? 2 : 1));
        while (symbols.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i < symbols.Count - 1; i++)
                if (mergeRanks.TryGetValue((symbols[i], symbols[i + 1]), out var rank) && rank < bestRank)
                    (best, bestRank) = (i, rank);
            if (best < 0)
                break;
            var (left, right) = (symbols[best], symbols[best + 1]);
            var merged = new List<string>(symbols.Count);
            for (var i = 0; i < symbols.Count; i++)
            {
                if (i < symbols.Count - 1 && symbols[i] == left && symbols[i + 1] == right)
                {
                    merged.Add(left + right);
                    i++;
                }
                else
                    merged.Add(symbols[i]);
            }
            symbols = merged;
        }
        var ids = new List<int>(symbols.Count);
        foreach (var symbol in symbols)
        {
            if (Vocabulary.TryGetValue(symbol, out var id))
                ids.Add(id);
            else if (byteFallback)
                foreach (var b in System.Text.Encoding.UTF8.GetBytes(symbol))
                    ids.Add(Vocabulary.TryGetValue($"<0x{b:X2}>", out var byteId) ? byteId
                        : unknownId ?? throw new InvalidOperationException($"Byte <0x{b:X2}> is not in the vocabulary."));
            else if (unknownId is { } unknown)
                ids.Add(unknown);
            else
                throw new InvalidOperationException($"Symbol '{symbol}' is not in the vocabulary and the tokenizer has no unk_token.");
        }
        return ids.ToArray();
    }
}
