using System.Text.Json.Nodes;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>
/// SentencePiece's unigram model as the <c>tokenizers</c> library runs it: the segmentation of the word whose pieces'
/// log-probabilities sum highest (Viterbi), where a character no piece starts with is the unknown token scored 10
/// below the lowest piece; consecutive unknowns fuse into one, and with <c>byte_fallback</c> become byte tokens.
/// </summary>
public sealed class UnigramModel : TokenizerModel
{
    private const double UnknownPenalty = 10.0;

    private readonly double[] scores;
    private readonly int unknownId;
    private readonly bool byteFallback;
    private readonly int longestPiece;

    private UnigramModel(Dictionary<string, int> vocabulary, double[] scores, int unknownId, bool byteFallback) : base(vocabulary)
    {
        this.scores = scores;
        this.unknownId = unknownId;
        this.byteFallback = byteFallback;
        longestPiece = vocabulary.Keys.Max(k => k.Length);
        this.scores[unknownId] = scores.Min() - UnknownPenalty;
    }

    public static UnigramModel Parse(JsonObject json, string source)
    {
        if (json["vocab"] is not JsonArray { Count: > 0 } list)
            throw new ModelFormatException($"{source}: a Unigram model.vocab must be a non-empty list of [piece, score].");
        var vocabulary = new Dictionary<string, int>(list.Count);
        var scores = new double[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonArray { Count: 2 } entry || entry[0]?.GetValue<string>() is not { } piece)
                throw new ModelFormatException($"{source}: model.vocab[{i}] is not a [piece, score] pair.");
            scores[i] = entry[1]!.GetValue<double>();
            if (!double.IsFinite(scores[i]))
                throw new ModelFormatException($"{source}: model.vocab[{i}] ('{piece}') has a score that is not a finite number.");
            vocabulary.TryAdd(piece, i);
        }
        var unknownId = json["unk_id"]?.GetValue<int>()
            ?? throw new ModelFormatException($"{source}: a Unigram model needs unk_id (the unknown token's index in vocab).");
        if (unknownId < 0 || unknownId >= list.Count)
            throw new ModelFormatException($"{source}: model.unk_id {unknownId} is outside the vocab (0..{list.Count - 1}).");
        return new UnigramModel(vocabulary, scores, unknownId, json["byte_fallback"]?.GetValue<bool>() ?? false);
    }

    public override void Encode(string word, List<int> ids)
    {
        if (word.Length == 0)
            return;
        // best[end]: the best segmentation of word[..end], as its score and the start and id of its last piece.
        var best = new (double Score, int Start, int Id)[word.Length + 1];
        for (var i = 1; i <= word.Length; i++)
            best[i] = (double.NegativeInfinity, -1, -1);
        for (var start = 0; start < word.Length; start++)
        {
            if (start > 0 && (best[start].Start < 0 || char.IsLowSurrogate(word[start])))
                continue;
            var characterLength = char.IsSurrogatePair(word, start) ? 2 : 1;
            var hasSingleCharacterPiece = false;
            for (var length = 1; length <= longestPiece && start + length <= word.Length; length++)
            {
                if (!Vocabulary.TryGetValue(word.Substring(start, length), out var id))
                    continue;
                Offer(best, start, start + length, best[start].Score + scores[id], id);
                hasSingleCharacterPiece |= length == characterLength;
            }
            if (!hasSingleCharacterPiece)
                Offer(best, start, start + characterLength, best[start].Score + scores[unknownId], unknownId);
        }
        var pieces = new List<(int Start, int End, int Id)>();
        for (var end = word.Length; end > 0; end = best[end].Start)
            pieces.Add((best[end].Start, end, best[end].Id));
        pieces.Reverse();
        for (var i = 0; i < pieces.Count; i++)
        {
            var (start, end, id) = pieces[i];
            if (id != unknownId)
            {
                ids.Add(id);
                continue;
            }
            while (i + 1 < pieces.Count && pieces[i + 1].Id == unknownId)
                end = pieces[++i].End;
            if (!(byteFallback && TryAddBytes(word[start..end], ids)))
                ids.Add(unknownId);
        }
    }

    private static void Offer((double Score, int Start, int Id)[] best, int start, int end, double score, int id)
    {
        if (best[end].Start < 0 || score > best[end].Score)
            best[end] = (score, start, id);
    }
}
