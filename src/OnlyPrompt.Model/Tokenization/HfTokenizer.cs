using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>A token listed in <c>added_tokens</c>: matched in raw text before the model sees it.</summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool LeftStrip, bool RightStrip);

/// <summary>
/// A tokenizer read from a Hugging Face <c>tokenizer.json</c>, giving the same ids as the <c>tokenizers</c>
/// library for the supported components: byte-level BPE (GPT-2, Llama-3, Qwen2), the SentencePiece family
/// (BPE with byte fallback as in Llama-2, Mistral and Gemma; Unigram) and WordLevel.
/// </summary>
public sealed class HfTokenizer
{
    private readonly TokenizerModel model;
    private readonly Func<string, string> normalize;
    private readonly PreTokenizer preTokenize;
    private readonly IReadOnlyList<object> singleTemplate; // int (special token id) or null (the sequence)
    private readonly Func<IReadOnlyList<string>, string> decode;
    private readonly AddedToken[] addedTokens;
    private readonly Dictionary<int, AddedToken> addedById;
    // Added tokens by their first character, longest first, for leftmost-longest matching.
    private readonly Dictionary<char, AddedToken[]> addedByFirstChar;

    private HfTokenizer(TokenizerModel model, Func<string, string> normalize, PreTokenizer preTokenize,
        IReadOnlyList<object> singleTemplate, Func<IReadOnlyList<string>, string> decode, AddedToken[] addedTokens)
    {
        this.model = model;
        this.normalize = normalize;
        this.preTokenize = preTokenize;
        this.singleTemplate = singleTemplate;
        this.decode = decode;
        this.addedTokens = addedTokens;
        addedById = addedTokens.ToDictionary(t => t.Id);
        addedByFirstChar = addedTokens.GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        VocabularySize = Math.Max(model.IdToToken.Keys.DefaultIfEmpty(-1).Max(), addedTokens.Select(t => t.Id).DefaultIfEmpty(-1).Max()) + 1;
    }

    /// <summary>One more than the largest id the tokenizer can produce.</summary>
    public int VocabularySize { get; }

    public IReadOnlyCollection<AddedToken> AddedTokens => addedTokens;

    public static HfTokenizer Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: tokenizer file does not exist.");
        return Parse(File.ReadAllText(path), path);
    }

    public static HfTokenizer Parse(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ModelFormatException($"{source}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{source}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        if (root["model"] is not JsonObject modelJson)
            throw new ModelFormatException($"{source}: no 'model' object; is this a tokenizer.json?");
        var added = (root["added_tokens"] as JsonArray ?? []).Select((node, i) => ParseAddedToken(node, i, source)).ToArray();
        return new HfTokenizer(
            TokenizerModel.FromJson(modelJson, source),
            Normalizers.Parse(root["normalizer"], source),
            PreTokenizers.Parse(root["pre_tokenizer"], source),
            ParsePostProcessor(root["post_processor"], source),
            Decoders.Parse(root["decoder"], source),
            added);
    }

    private static AddedToken ParseAddedToken(JsonNode? node, int index, string source)
    {
        if (node is not JsonObject json || json["id"] is null || json["content"]?.GetValue<string>() is not { Length: > 0 } content)
            throw new ModelFormatException($"{source}: added_tokens[{index}] needs an 'id' and a non-empty 'content'.");
        if (json["single_word"]?.GetValue<bool>() == true)
            throw new ModelFormatException($"{source}: added_tokens[{index}] ('{content}') uses single_word, which is not supported.");
        return new AddedToken(json["id"]!.GetValue<int>(), content, json["special"]?.GetValue<bool>() ?? false,
            json["lstrip"]?.GetValue<bool>() ?? false, json["rstrip"]?.GetValue<bool>() ?? false);
    }

    private static IReadOnlyList<object> ParsePostProcessor(JsonNode? node, string source)
    {
        object sequence = "A";
        if (node is not JsonObject json)
            return [sequence];
        var type = json["type"]?.GetValue<string>();
        switch (type)
        {
            case "ByteLevel":
                return [sequence];
            case "Sequence":
                var templates = (json["processors"] as JsonArray ?? []).Select(p => ParsePostProcessor(p, source)).Where(t => t.Count > 1).ToArray();
                return templates.Length switch
                {
                    0 => [sequence],
                    1 => templates[0],
                    _ => throw new ModelFormatException($"{source}: more than one TemplateProcessing in post_processor."),
                };
            case "TemplateProcessing":
                var specials = json["special_tokens"] as JsonObject ?? [];
                var result = new List<object>();
                foreach (var item in json["single"] as JsonArray ?? [])
                {
                    if (item?["Sequence"] is not null)
                        result.Add(sequence);
                    else if (item?["SpecialToken"]?["id"]?.GetValue<string>() is { } name && specials[name]?["ids"] is JsonArray ids)
                        result.AddRange(ids.Select(id => (object)id!.GetValue<int>()));
                    else
                        throw new ModelFormatException($"{source}: post_processor.single has an item that is neither a Sequence nor a known " +
                            "SpecialToken.");
                }
                return result;
            default:
                throw new ModelFormatException($"{source}: post_processor '{type}' is not supported; supported: TemplateProcessing, " +
                    "ByteLevel, Sequence.");
        }
    }

    /// <summary>Text to ids, like <c>tokenizer.encode(text, add_special_tokens=...)</c> in transformers.</summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>();
        var firstSection = true;
        foreach (var (segment, addedId) in SplitOnAddedTokens(text))
        {
            if (addedId is { } id)
                ids.Add(id);
            else
                foreach (var word in preTokenize([normalize(segment)], firstSection))
                    if (word.Length > 0)
                        model.Encode(word, ids);
            firstSection = false;
        }
        if (!addSpecialTokens)
            return ids.ToArray();
        return singleTemplate.SelectMany(item => item is int special ? [special] : ids).ToArray();
    }

    // Leftmost-longest matching of added tokens in the raw text; lstrip/rstrip tokens absorb neighbouring whitespace.
    private List<(string Text, int? AddedId)> SplitOnAddedTokens(string text)
    {
        var pieces = new List<(string, int?)>();
        var position = 0;
        while (position < text.Length)
        {
            var (index, token) = FindAddedToken(text, position);
            if (token is null)
                break;
            int start = index, end = index + token.Content.Length;
            if (token.LeftStrip)
                while (start > position && char.IsWhiteSpace(text[start - 1]))
                    start--;
            if (token.RightStrip)
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                    end++;
            if (start > position)
                pieces.Add((text[position..start], null));
            pieces.Add((token.Content, token.Id));
            position = end;
        }
        if (position < text.Length)
            pieces.Add((text[position..], null));
        return pieces;
    }

    private (int Index, AddedToken? Token) FindAddedToken(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
            if (addedByFirstChar.TryGetValue(text[i], out var candidates))
                foreach (var candidate in candidates)
                    if (string.CompareOrdinal(text, i, candidate.Content, 0, candidate.Content.Length) == 0)
                        return (i, candidate);
        return (-1, null);
    }

    /// <summary>Ids to text, like <c>tokenizer.decode(ids, skip_special_tokens=...)</c>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                    tokens.Add(added.Content);
            }
            else if (model.IdToToken.TryGetValue(id, out var token))
                tokens.Add(token);
            else
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is not in the vocabulary (size {VocabularySize}).");
        }
        return decode(tokens);
    }

    public int? TokenToId(string token) =>
        addedByFirstChar.GetValueOrDefault(token.Length > 0 ? token[0] : '\0')?.FirstOrDefault(t => t.Content == token)?.Id
        ?? (model.Vocabulary.TryGetValue(token, out var id) ? id : null);
}
