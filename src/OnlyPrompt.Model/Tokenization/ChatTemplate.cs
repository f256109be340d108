using System.Text.Json;
using System.Text.Json.Nodes;
using OnlyPrompt.Model.Tokenization.Jinja;

namespace OnlyPrompt.Model.Tokenization;

public sealed record ChatMessage(string Role, string Content)
{
    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content) => new("assistant", content);
}

/// <summary>
/// How a model's conversations become text: the model's own Jinja chat template (from <c>chat_template.jinja</c> or
/// <c>tokenizer_config.json</c>), rendered as transformers renders it, so prompts built here tokenize to what the
/// model saw in training; or, for base models without one, the turns joined by blank lines.
/// <see cref="EndOfTurn"/> is what the template writes after an assistant's answer, which closes answers in training data.
/// </summary>
public sealed class ChatTemplate
{
    private const string ProbeAnswer = "\u2063OnlyPromptProbeAnswer\u2063";
    private static readonly string[] SpecialTokenFields = ["bos_token", "eos_token", "unk_token", "pad_token"];

    private readonly JinjaTemplate? jinja;
    private readonly IReadOnlyDictionary<string, object?> specialTokens;

    private ChatTemplate(JinjaTemplate? jinja, string source, IReadOnlyDictionary<string, object?> specialTokens, IEnumerable<string> addedTokens)
    {
        this.jinja = jinja;
        this.specialTokens = specialTokens;
        Source = source;
        var eos = specialTokens.GetValueOrDefault("eos_token") as string ?? "";
        EndOfTurn = jinja is null ? eos : ProbeEndOfTurn(addedTokens.OrderByDescending(t => t.Length).ToList()) ?? eos;
    }

    /// <summary>Where the template came from ("tokenizer_config.json chat_template"), or "plain" for the base-model fallback.</summary>
    public string Source { get; }

    public string EndOfTurn { get; }

    public bool IsPlain => jinja is null;

    /// <summary>Base models without a template: the turns' contents separated by blank lines, answers closed by EOS.</summary>
    public static ChatTemplate Plain(string eosToken = "") => new(null, "plain", new Dictionary<string, object?> { ["eos_token"] = eosToken }, []);

    /// <param name="specialTokens">bos_token, eos_token and the like, as the template sees them.</param>
    /// <param name="addedTokens">The tokenizer's added tokens, one of which usually closes a turn.</param>
    public static ChatTemplate FromJinja(string template, string source, IReadOnlyDictionary<string, string> specialTokens,
        IEnumerable<string>? addedTokens = null) =>
        new(JinjaTemplate.Parse(template, source), source, specialTokens.ToDictionary(p => p.Key, p => (object?)p.Value), addedTokens
            ?? specialTokens.Values);

    /// <summary>
    /// The template of a Hugging Face model directory: <c>chat_template.jinja</c> if present (as transformers saves it),
    /// else <c>tokenizer_config.json</c>'s <c>chat_template</c> (a string, or a list whose "default" entry is used);
    /// Plain when neither exists.
    /// </summary>
    public static ChatTemplate Load(string directory, IEnumerable<string>? addedTokens = null)
    {
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var config = File.Exists(configPath) ? ReadJson(configPath) : [];
        var tokens = SpecialTokenFields.Select(f => (Field: f, Text: TokenText(config[f]))).Where(t => t.Text is not null)
            .ToDictionary(t => t.Field, t => t.Text!);
        var jinjaPath = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinjaPath))
            return FromJinja(File.ReadAllText(jinjaPath), jinjaPath, tokens, addedTokens);
        var template = config["chat_template"] switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonArray list => list.FirstOrDefault(t => t?["name"]?.GetValue<string>() == "default")?["template"]?.GetValue<string>(),
            _ => null,
        };
        return string.IsNullOrEmpty(template)
            ? Plain(tokens.GetValueOrDefault("eos_token", ""))
            : FromJinja(template, $"{configPath} chat_template", tokens, addedTokens);
    }

    /// <summary>The prompt for the given turns; with <paramref name="addGenerationPrompt"/> it ends where the assistant's answer starts.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        foreach (var (message, i) in messages.Select((m, i) => (m, i)))
            if (message.Role is not ("system" or "user" or "assistant"))
                throw new ArgumentException($"messages[{i}].Role is '{message.Role}'; expected system, user or assistant.", nameof(messages));
        if (jinja is null)
            return string.Join("\n\n", messages.Select(m => m.Content)) + (addGenerationPrompt ? "\n\n" : "");
        var context = new Dictionary<string, object?>(specialTokens)
        {
            ["messages"] = messages.Select(m => new OrderedDictionary<string,
                object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList<object?>(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
        };
        return jinja.Render(context);
    }

    /// <summary>A single user turn, the shape OnlyPrompt's prompts take.</summary>
    public string RenderUser(string instruction) => Render([ChatMessage.User(instruction)]);

    // What the template writes right after an assistant's answer: the added token it starts with ("<|im_end|>" for ChatML,
    // "<|eot_id|>" for Llama-3, "</s>" for Mistral), else its first line. Null when the template cannot render the probe.
    private string? ProbeEndOfTurn(IReadOnlyList<string> addedTokens)
    {
        string rendered;
        try
        {
            rendered = Render([ChatMessage.User("Hi"), ChatMessage.Assistant(ProbeAnswer)], addGenerationPrompt: false);
        }
        catch (JinjaException)
        {
            return null;
        }
        var end = rendered.IndexOf(ProbeAnswer, StringComparison.Ordinal);
        if (end < 0)
            throw new ModelFormatException($"{Source}: the template does not write the assistant's answer into the conversation.");
        var suffix = rendered[(end + ProbeAnswer.Length)..].TrimStart(' ');
        return addedTokens.FirstOrDefault(t => t.Length > 0 && suffix.StartsWith(t, StringComparison.Ordinal))
            ?? suffix.Split('\n')[0].TrimEnd();
    }

    private static JsonObject ReadJson(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelFormatException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    private static string? TokenText(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o => o["content"]?.GetValue<string>(),
        _ => null,
    };
}
