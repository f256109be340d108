using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>
/// Byte-pair encoding as the <c>tokenizers</c> library does it: each character becomes its token (or, with
/// <c>byte_fallback</c>, its UTF-8 byte tokens, else the unknown token, runs of which <c>fuse_unk</c> joins), then the
/// adjacent pair with the lowest merge rank is merged, leftmost first, until no pair has a merge. A heap keeps this
/// O(n log n), since SentencePiece-style tokenizers hand whole sentences to the model as one word.
/// </summary>
public sealed class BytePairModel : TokenizerModel
{
    private const int LongestCachedWord = 256;
    private const int CacheCapacity = 10_000;

    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> merges;
    private readonly bool ignoreMerges;
    private readonly bool byteFallback;
    private readonly bool fuseUnknown;
    private readonly int? unknownId;
    private readonly ConcurrentDictionary<string, int[]> cache = new();

    private BytePairModel(Dictionary<string, int> vocabulary, Dictionary<(int, int), (int, int)> merges, bool ignoreMerges, bool byteFallback,
        bool fuseUnknown, int? unknownId)
        : base(vocabulary)
    {
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
        this.byteFallback = byteFallback;
        this.fuseUnknown = fuseUnknown;
        this.unknownId = unknownId;
    }

    public static BytePairModel Parse(JsonObject json, Dictionary<string, int> vocabulary, int? unknownId, string source)
    {
        foreach (var unsupported in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (json[unsupported] is JsonValue v && v.GetValue<string>() is { Length: > 0 })
                throw new ModelFormatException($"{source}: BPE option '{unsupported}' is not supported.");
        if (json["dropout"] is JsonValue dropout && dropout.GetValue<double>() > 0)
            throw new ModelFormatException($"{source}: BPE dropout is not supported (tokenization must be deterministic).");
        var merges = new Dictionary<(int, int), (int, int)>();
        if (json["merges"] is JsonArray list)
            for (var i = 0; i < list.Count; i++)
            {
                var (left, right) = list[i] switch
                {
                    JsonArray { Count: 2 } two => (two[0]!.GetValue<string>(), two[1]!.GetValue<string>()),
                    JsonValue text when text.GetValue<string>().Split(' ') is { Length: 2 } parts => (parts[0], parts[1]),
                    _ => throw new ModelFormatException($"{source}: model.merges[{i}] is not a pair of tokens."),
                };
                if (!vocabulary.TryGetValue(left, out var leftId) || !vocabulary.TryGetValue(right, out var rightId))
                    throw new ModelFormatException($"{source}: model.merges[{i}] ('{left}' '{right}') names a token that is not in the vocab.");
                if (!vocabulary.TryGetValue(left + right, out var mergedId))
                    throw new ModelFormatException($"{source}: model.merges[{i}] merges to '{left + right}', which is not in the vocab.");
                merges.TryAdd((leftId, rightId), (i, mergedId));
            }
        return new BytePairModel(vocabulary, merges, json["ignore_merges"]?.GetValue<bool>() ?? false,
            json["byte_fallback"]?.GetValue<bool>() ?? false, json["fuse_unk"]?.GetValue<bool>() ?? false, unknownId);
    }

    public override void Encode(string word, List<int> ids)
    {
        if (ignoreMerges && Vocabulary.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }
        if (word.Length > LongestCachedWord)
        {
            ids.AddRange(Merge(word));
            return;
        }
        if (!cache.TryGetValue(word, out var cached))
        {
            cached = Merge(word);
            if (cache.Count < CacheCapacity)
                cache.TryAdd(word, cached);
        }
        ids.AddRange(cached);
    }

    private int[] Merge(string word)
    {
        var symbols = InitialSymbols(word);
        var count = symbols.Count;
        // A doubly linked list over the symbols; a merged-away symbol gets id -1.
        var id = symbols.ToArray();
        var previous = Enumerable.Range(-1, count).ToArray();
        var next = Enumerable.Range(1, count).Select(i => i < count ? i : -1).ToArray();
        var queue = new PriorityQueue<(int Position, int Left, int Right), (int Rank, int Position)>();
        void Consider(int position)
        {
            var right = next[position];
            if (right >= 0 && merges.TryGetValue((id[position], id[right]), out var merge))
                queue.Enqueue((position, id[position], id[right]), (merge.Rank, position));
        }
        for (var i = 0; i < count - 1; i++)
            Consider(i);
        while (queue.TryDequeue(out var candidate, out _))
        {
            var (position, left, right) = candidate;
            var neighbour = next[position];
            // Skip entries made stale by an earlier merge at or beside this position.
            if (id[position] != left || neighbour < 0 || id[neighbour] != right)
                continue;
            id[position] = merges[(left, right)].Merged;
            id[neighbour] = -1;
            next[position] = next[neighbour];
            if (next[position] >= 0)
                previous[next[position]] = position;
            if (previous[position] >= 0)
                Consider(previous[position]);
            Consider(position);
        }
        var result = new List<int>(count);
        for (var i = 0; i >= 0 && i < count; i = next[i])
            result.Add(id[i]);
        return result.ToArray();
    }

    private List<int> InitialSymbols(string word)
    {
        var symbols = new List<int>(word.Length);
        var lastWasUnknown = false;
        for (var i = 0; i < word.Length; i += char.IsSurrogatePair(word, i) ? 2 : 1)
        {
            var character = word.Substring(i, char.IsSurrogatePair(word, i) ? 2 : 1);
            if (Vocabulary.TryGetValue(character, out var tokenId))
                symbols.Add(tokenId);
            else if (!(byteFallback && TryAddBytes(character, symbols)))
            {
                var unknown = unknownId
                    ?? throw new InvalidOperationException($"Character '{character}' is not in the vocabulary and the tokenizer has no unk_token.");
                if (!(fuseUnknown && lastWasUnknown))
                    symbols.Add(unknown);
                lastWasUnknown = true;
                continue;
            }
            lastWasUnknown = false;
        }
        return symbols;
    }
}
