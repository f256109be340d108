using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>Unicode normalization before pre-tokenization (<c>normalizer</c> in tokenizer.json).</summary>
public static class Normalizers
{
    public static Func<string, string> Parse(JsonNode? node, string source)
    {
        if (node is not JsonObject json)
            return text => text;
        var type = json["type"]?.GetValue<string>();
        return type switch
        {
            "NFC" => text => text.Normalize(NormalizationForm.FormC),
            "NFD" => text => text.Normalize(NormalizationForm.FormD),
            "NFKC" => text => text.Normalize(NormalizationForm.FormKC),
            "NFKD" => text => text.Normalize(NormalizationForm.FormKD),
            "Lowercase" => text => text.ToLowerInvariant(),
            "Sequence" => Chain(json["normalizers"] as JsonArray, source),
            _ => throw new ModelFormatException($"{source}: normalizer '{type}' is not supported; supported: NFC, NFD, NFKC, NFKD, Lowercase, Sequence."),
        };
    }

    private static Func<string, string> Chain(JsonArray? items, string source)
    {
        var steps = (items ?? []).Select(n => Parse(n, source)).ToArray();
        return text => steps.Aggregate(text, (t, step) => step(t));
    }
}

/// <summary>Splits normalized text into words (<c>pre_tokenizer</c> in tokenizer.json).</summary>
public static class PreTokenizers
{
    // GPT-2's pattern, which ByteLevel applies when use_regex is true.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static Func<IEnumerable<string>, IEnumerable<string>> Parse(JsonNode? node, string source)
    {
        if (node is not JsonObject json)
            return words => words;
        var type = json["type"]?.GetValue<string>();
        switch (type)
        {
            case "ByteLevel":
                var addPrefixSpace = json["add_prefix_space"]?.GetValue<bool>() ?? false;
                var split = json["use_regex"]?.GetValue<bool>() ?? true ? Isolate(new Regex(Gpt2Pattern, RegexOptions.Compiled)) : null;
                return words => words.SelectMany(word =>
                {
                    var text = addPrefixSpace && !word.StartsWith(' ') ? " " + word : word;
                    return (split is null ? [text] : split(text)).Select(ByteLevelAlphabet.Encode);
                });
            case "Split":
                var pattern = json["pattern"]?["Regex"]?.GetValue<string>() is { } regex
                    ? new Regex(regex, RegexOptions.Compiled)
                    : new Regex(Regex.Escape(json["pattern"]?["String"]?.GetValue<string>() ?? throw new ModelFormatException($"{source}: Split needs a pattern.")), RegexOptions.Compiled);
                if (json["invert"]?.GetValue<bool>() == true)
                    throw new ModelFormatException($"{source}: Split with invert=true is not supported.");
                var behavior = json["behavior"]?.GetValue<string>();
                Func<string, IEnumerable<string>> splitter = behavior switch
                {
                    "Isolated" => Isolate(pattern),
                    "Removed" => text => Gaps(pattern, text),
                    _ => throw new ModelFormatException($"{source}: Split behavior '{behavior}' is not supported; supported: Isolated, Removed."),
                };
                return words => words.SelectMany(splitter);
            case "Whitespace":
                var wordsAndPunctuation = new Regex(@"\w+|[^\w\s]+", RegexOptions.Compiled);
                return words => words.SelectMany(w => wordsAndPunctuation.Matches(w).Select(m => m.Value));
            case "WhitespaceSplit":
                return words => words.SelectMany(w => w.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            case "Sequence":
                var steps = (json["pretokenizers"] as JsonArray ?? []).Select(n => Parse(n, source)).ToArray();
                return words => steps.Aggregate(words, (w, step) => step(w));
            default:
                throw new ModelFormatException($"{source}: pre_tokenizer '{type}' is not supported; supported: ByteLevel, Split, Whitespace, WhitespaceSplit, Sequence.");
        }
    }

    // Matches become words of their own, and so do the stretches between them.
    private static Func<string, IEnumerable<string>> Isolate(Regex pattern) => text =>
    {
        var pieces = new List<string>();
        var last = 0;
        foreach (Match match in pattern.Matches(text))
        {
            if (match.Length == 0)
                continue;
            if (match.Index > last)
                pieces.Add(text[last..match.Index]);
            pieces.Add(match.Value);
            last = match.Index + match.Length;
        }
        if (last < text.Length)
            pieces.Add(text[last..]);
        return pieces;
    };

    private static IEnumerable<string> Gaps(Regex pattern, string text) =>
        pattern.Split(text).Where(piece => piece.Length > 0);
}
