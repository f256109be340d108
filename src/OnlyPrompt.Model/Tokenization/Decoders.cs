using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>
/// Turns the tokens of an id sequence back into text (<c>decoder</c> in tokenizer.json): each step maps the list of
/// token strings to a new list, and the last list is concatenated. Without a decoder, tokens are joined with spaces.
/// </summary>
public static class Decoders
{
    public static Func<IReadOnlyList<string>, string> Parse(JsonNode? node, string source)
    {
        if (node is not JsonObject)
            return tokens => string.Join(' ', tokens);
        var step = ParseStep(node, source);
        return tokens => string.Concat(step(tokens));
    }

    private static Func<IReadOnlyList<string>, IReadOnlyList<string>> ParseStep(JsonNode? node, string source)
    {
        var json = node as JsonObject ?? throw new ModelFormatException($"{source}: decoder entries must be objects.");
        var type = json["type"]?.GetValue<string>();
        switch (type)
        {
            case "ByteLevel":
                return tokens =>
                {
                    var bytes = new List<byte>();
                    foreach (var token in tokens)
                        ByteLevelAlphabet.AppendBytes(token, bytes);
                    return [Encoding.UTF8.GetString(bytes.ToArray())];
                };
            case "Replace":
                var pattern = Patterns.Parse(json["pattern"], "Replace decoder", source);
                var content = json["content"]?.GetValue<string>() ?? "";
                return tokens => tokens.Select(t => Patterns.Replace(pattern, t, content)).ToArray();
            case "ByteFallback":
                return ByteFallback;
            case "Fuse":
                return tokens => [string.Concat(tokens)];
            case "Strip":
                var character = json["content"]?.GetValue<string>() is { Length: 1 } c ? c[0]
                    : throw new ModelFormatException($"{source}: Strip decoder needs a one-character 'content'.");
                var start = json["start"]?.GetValue<int>() ?? 0;
                var stop = json["stop"]?.GetValue<int>() ?? 0;
                return tokens => tokens.Select(t => Strip(t, character, start, stop)).ToArray();
            case "Metaspace":
                var replacement = json["replacement"]?.GetValue<string>() ?? "▁";
                var scheme = json["prepend_scheme"]?.GetValue<string>() ?? (json["add_prefix_space"]?.GetValue<bool>() ?? true ? "always" : "never");
                return tokens => tokens.Select((t, i) =>
                {
                    var text = t.Replace(replacement, " ", StringComparison.Ordinal);
                    return i == 0 && scheme != "never" && text.StartsWith(' ') ? text[1..] : text;
                }).ToArray();
            case "Sequence":
                var steps = (json["decoders"] as JsonArray ?? []).Select(d => ParseStep(d, source)).ToArray();
                return tokens => steps.Aggregate(tokens, (current, next) => next(current));
            default:
                throw new ModelFormatException(
                    $"{source}: decoder '{type}' is not supported; supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence.");
        }
    }

    /// <summary>Runs of <c>&lt;0xNN&gt;</c> tokens become the text their bytes spell; bytes that are not valid UTF-8 become U+FFFD each.</summary>
    private static IReadOnlyList<string> ByteFallback(IReadOnlyList<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        void Flush()
        {
            if (pending.Count == 0)
                return;
            try
            {
                result.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(pending.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                result.AddRange(Enumerable.Repeat("\uFFFD", pending.Count));
            }
            pending.Clear();
        }
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
                pending.Add(value);
            else
            {
                Flush();
                result.Add(token);
            }
        }
        Flush();
        return result;
    }

    private static string Strip(string token, char character, int start, int stop)
    {
        var from = 0;
        while (from < start && from < token.Length && token[from] == character)
            from++;
        var to = token.Length;
        while (token.Length - to < stop && to > from && token[to - 1] == character)
            to--;
        return token[from..to];
    }
}
