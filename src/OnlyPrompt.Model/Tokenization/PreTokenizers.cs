using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>
/// Splits normalized text into words (<c>pre_tokenizer</c> in tokenizer.json). <paramref name="FirstSection"/>
/// is true for the text before the first added token, which Metaspace's <c>prepend_scheme: first</c> looks at.
/// </summary>
public delegate IEnumerable<string> PreTokenizer(IEnumerable<string> words, bool FirstSection);

public static class PreTokenizers
{
    // GPT-2's pattern, which ByteLevel applies when use_regex is true.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static PreTokenizer Parse(JsonNode? node, string source)
    {
        if (node is not JsonObject json)
            return (words, _) => words;
        var type = json["type"]?.GetValue<string>();
        switch (type)
        {
            case "ByteLevel":
                var addPrefixSpace = json["add_prefix_space"]?.GetValue<bool>() ?? false;
                var gpt2 = json["use_regex"]?.GetValue<bool>() ?? true ? new CodePointRegex(new Regex(Gpt2Pattern, RegexOptions.Compiled)) : null;
                return (words, _) => words.SelectMany(word =>
                {
                    var text = addPrefixSpace && !word.StartsWith(' ') ? " " + word : word;
                    return (gpt2 is null ? [text] : Split(gpt2, text, SplitBehavior.Isolated)).Select(ByteLevelAlphabet.Encode);
                });
            case "Split":
                var pattern = Patterns.Parse(json["pattern"], "Split", source);
                if (json["invert"]?.GetValue<bool>() == true)
                    throw new ModelFormatException($"{source}: Split with invert=true is not supported.");
                var behavior = ParseBehavior(json["behavior"]?.GetValue<string>(), source);
                return (words, _) => words.SelectMany(word => Split(pattern, word, behavior));
            case "Metaspace":
                return Metaspace(json, source);
            case "Whitespace":
                var wordsAndPunctuation = new CodePointRegex(new Regex(@"\w+|[^\w\s]+", RegexOptions.Compiled));
                return (words, _) => words.SelectMany(w => wordsAndPunctuation.Matches(w).Select(m => w.Substring(m.Index, m.Length)));
            case "WhitespaceSplit":
                return (words, _) => words.SelectMany(w => w.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            case "Sequence":
                var steps = (json["pretokenizers"] as JsonArray ?? []).Select(n => Parse(n, source)).ToArray();
                return (words, first) => steps.Aggregate(words, (w, step) => step(w, first));
            default:
                throw new ModelFormatException(
                    $"{source}: pre_tokenizer '{type}' is not supported; supported: ByteLevel, Split, Metaspace, Whitespace, " +
                    "WhitespaceSplit, Sequence.");
        }
    }

    /// <summary>SentencePiece's convention: spaces become the replacement (▁), which may also open the text.</summary>
    private static PreTokenizer Metaspace(JsonObject json, string source)
    {
        var replacement = json["replacement"]?.GetValue<string>() ?? "▁";
        var scheme = json["prepend_scheme"]?.GetValue<string>()
            ?? (json["add_prefix_space"]?.GetValue<bool>() ?? true ? "always" : "never");
        if (scheme is not ("always" or "first" or "never"))
            throw new ModelFormatException($"{source}: Metaspace prepend_scheme '{scheme}' is not one of always, first, never.");
        var split = json["split"]?.GetValue<bool>() ?? true;
        var onReplacement = new CodePointRegex(new Regex(Regex.Escape(replacement), RegexOptions.Compiled));
        return (words, firstSection) => words.SelectMany((word, index) =>
        {
            var text = word.Replace(" ", replacement, StringComparison.Ordinal);
            var prepend = scheme == "always" || (scheme == "first" && firstSection && index == 0);
            if (prepend && !text.StartsWith(replacement, StringComparison.Ordinal))
                text = replacement + text;
            return split ? Split(onReplacement, text, SplitBehavior.MergedWithNext) : [text];
        });
    }

    public enum SplitBehavior { Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous }

    private static SplitBehavior ParseBehavior(string? behavior, string source) => behavior switch
    {
        "Isolated" => SplitBehavior.Isolated,
        "Removed" => SplitBehavior.Removed,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw new ModelFormatException(
            $"{source}: Split behavior '{behavior}' is not supported; supported: Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous."),
    };

    /// <summary>The <c>tokenizers</c> library's split of a word around the pattern's (non-empty) matches.</summary>
    public static List<string> Split(CodePointRegex pattern, string text, SplitBehavior behavior)
    {
        var spans = Spans(pattern, text);
        var pieces = new List<(int Start, int End)>();
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                pieces.AddRange(spans.Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.Removed:
                pieces.AddRange(spans.Where(s => !s.Match).Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.MergedWithPrevious:
                for (var i = 0; i < spans.Count; i++)
                    if (spans[i].Match && i > 0 && !spans[i - 1].Match)
                        pieces[^1] = (pieces[^1].Start, spans[i].End);
                    else
                        pieces.Add((spans[i].Start, spans[i].End));
                break;
            case SplitBehavior.MergedWithNext:
                var pendingMatch = -1;
                foreach (var span in spans)
                {
                    if (span.Match)
                    {
                        if (pendingMatch >= 0)
                            pieces.Add((pendingMatch, span.Start));
                        pendingMatch = span.Start;
                    }
                    else if (pendingMatch >= 0)
                    {
                        pieces.Add((pendingMatch, span.End));
                        pendingMatch = -1;
                    }
                    else
                        pieces.Add((span.Start, span.End));
                }
                if (pendingMatch >= 0)
                    pieces.Add((pendingMatch, text.Length));
                break;
            case SplitBehavior.Contiguous:
                for (var i = 0; i < spans.Count; i++)
                    if (spans[i].Match && i > 0 && spans[i - 1].Match)
                        pieces[^1] = (pieces[^1].Start, spans[i].End);
                    else
                        pieces.Add((spans[i].Start, spans[i].End));
                break;
        }
        return pieces.Select(p => text[p.Start..p.End]).ToList();
    }

    // (start, end, isMatch) spans covering the text.
    private static List<(int Start, int End, bool Match)> Spans(CodePointRegex pattern, string text)
    {
        var spans = new List<(int Start, int End, bool Match)>();
        var last = 0;
        foreach (var (index, length) in pattern.Matches(text))
        {
            if (index > last)
                spans.Add((last, index, false));
            spans.Add((index, index + length, true));
            last = index + length;
        }
        if (last < text.Length)
            spans.Add((last, text.Length, false));
        return spans;
    }
}
