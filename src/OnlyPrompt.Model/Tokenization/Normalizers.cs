using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>Text rewriting before pre-tokenization (<c>normalizer</c> in tokenizer.json), as the <c>tokenizers</c> library does it.</summary>
public static class Normalizers
{
    public static Func<string, string> Parse(JsonNode? node, string source)
    {
        if (node is not JsonObject json)
            return text => text;
        var type = json["type"]?.GetValue<string>();
        return type switch
        {
            "NFC" => Unicode(NormalizationForm.FormC),
            "NFD" => Unicode(NormalizationForm.FormD),
            "NFKC" => Unicode(NormalizationForm.FormKC),
            "NFKD" => Unicode(NormalizationForm.FormKD),
            "Lowercase" => text => text.ToLowerInvariant(),
            // Like the Rust implementation, nothing is prepended to an empty string.
            "Prepend" => Prepend(json["prepend"]?.GetValue<string>()
                ?? throw new ModelFormatException($"{source}: Prepend normalizer needs 'prepend'.")),
            "Replace" => Replace(json, source),
            "Strip" => Strip(json["strip_left"]?.GetValue<bool>() ?? false, json["strip_right"]?.GetValue<bool>() ?? false),
            "Sequence" => Chain(json["normalizers"] as JsonArray, source),
            _ => throw new ModelFormatException(
                $"{source}: normalizer '{type}' is not supported; supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence."),
        };
    }

    /// <summary>
    /// Unicode normalization through ICU. In globalization-invariant mode .NET returns non-ASCII text unchanged
    /// instead of normalizing it, so ids would silently differ from Hugging Face's; refuse that instead.
    /// </summary>
    private static Func<string, string> Unicode(NormalizationForm form)
    {
        if ("e\u0301".Normalize(NormalizationForm.FormC) != "\u00e9")
            throw new ModelFormatException(
                "This tokenizer needs Unicode normalization, which .NET cannot do in globalization-invariant mode "
                + "(InvariantGlobalization or DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1): run with ICU (libicu) available.");
        return text => text.Normalize(form);
    }

    private static Func<string, string> Prepend(string prefix) => text => text.Length == 0 ? text : prefix + text;

    private static Func<string, string> Replace(JsonObject json, string source)
    {
        var content = json["content"]?.GetValue<string>() ?? throw new ModelFormatException($"{source}: Replace needs 'content'.");
        var pattern = Patterns.Parse(json["pattern"], "Replace", source);
        return text => Patterns.Replace(pattern, text, content);
    }

    private static Func<string, string> Strip(bool left, bool right) => text => (left, right) switch
    {
        (true, true) => text.Trim(),
        (true, false) => text.TrimStart(),
        (false, true) => text.TrimEnd(),
        _ => text,
    };

    private static Func<string, string> Chain(JsonArray? items, string source)
    {
        var steps = (items ?? []).Select(n => Parse(n, source)).ToArray();
        return text => steps.Aggregate(text, (t, step) => step(t));
    }
}

/// <summary>The <c>pattern</c> of Split, Replace and their decoders: <c>{"String": ...}</c> (literal) or <c>{"Regex": ...}</c>.</summary>
public static class Patterns
{
    public static CodePointRegex Parse(JsonNode? node, string component, string source) => new(node switch
    {
        JsonObject { } json when json["Regex"]?.GetValue<string>() is { } regex => new Regex(regex, RegexOptions.Compiled),
        JsonObject { } json when json["String"]?.GetValue<string>() is { } literal => new Regex(Regex.Escape(literal), RegexOptions.Compiled),
        _ => throw new ModelFormatException($"{source}: {component} needs a pattern ({{\"String\": ...}} or {{\"Regex\": ...}})."),
    });

    /// <summary>Replaces every match of <paramref name="pattern"/> in <paramref name="text"/> with <paramref name="content"/>.</summary>
    public static string Replace(CodePointRegex pattern, string text, string content)
    {
        var result = new StringBuilder(text.Length);
        var last = 0;
        foreach (var (index, length) in pattern.Matches(text))
        {
            result.Append(text, last, index - last).Append(content);
            last = index + length;
        }
        return result.Append(text, last, text.Length - last).ToString();
    }
}
