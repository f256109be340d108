using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Model.Tokenization;

public enum ChatTemplateKind
{
    /// <summary>Base models: the turns' contents separated by blank lines.</summary>
    Plain,
    /// <summary>Meta Llama-3 Instruct (<c>&lt;|start_header_id|&gt;</c> headers, <c>&lt;|eot_id|&gt;</c>).</summary>
    Llama3,
    /// <summary>Mistral Instruct (<c>[INST] ... [/INST]</c>).</summary>
    Mistral,
    /// <summary>ChatML as used by Qwen2 (<c>&lt;|im_start|&gt;role\n...&lt;|im_end|&gt;</c>).</summary>
    ChatML,
    /// <summary>Zephyr (<c>&lt;|user|&gt;</c>, <c>&lt;|assistant|&gt;</c>, each turn ending in the EOS token).</summary>
    Zephyr,
}

public sealed record ChatMessage(string Role, string Content)
{
    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content) => new("assistant", content);
}

/// <summary>
/// Renders conversations exactly as the model families' own Jinja chat templates do, so prompts built here
/// tokenize to what the model saw in training. <see cref="EndOfTurn"/> closes an assistant answer in training data.
/// </summary>
public sealed record ChatTemplate(ChatTemplateKind Kind, string BosToken = "", string EosToken = "", string? DefaultSystemPrompt = null)
{
    public string EndOfTurn => Kind switch
    {
        ChatTemplateKind.Llama3 => "<|eot_id|>",
        ChatTemplateKind.ChatML => "<|im_end|>",
        _ => EosToken,
    };

    /// <summary>The prompt for the given turns; with <paramref name="addGenerationPrompt"/> it ends where the assistant's answer starts.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        foreach (var (message, i) in messages.Select((m, i) => (m, i)))
            if (message.Role is not ("system" or "user" or "assistant"))
                throw new ArgumentException($"messages[{i}].Role is '{message.Role}'; expected system, user or assistant.", nameof(messages));
        var text = new StringBuilder();
        switch (Kind)
        {
            case ChatTemplateKind.Plain:
                text.AppendJoin("\n\n", messages.Select(m => m.Content));
                if (addGenerationPrompt)
                    text.Append("\n\n");
                break;
            case ChatTemplateKind.Llama3:
                text.Append(BosToken);
                foreach (var m in messages)
                    text.Append($"<|start_header_id|>{m.Role}<|end_header_id|>\n\n{m.Content.Trim()}<|eot_id|>");
                if (addGenerationPrompt)
                    text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                break;
            case ChatTemplateKind.Mistral:
                // Mistral's template has no system role; like its later versions, the system text opens the first user turn.
                text.Append(BosToken);
                var system = messages.FirstOrDefault(m => m.Role == "system")?.Content;
                var first = true;
                foreach (var m in messages.Where(m => m.Role != "system"))
                {
                    if (m.Role == "user")
                    {
                        var content = first && system is not null ? $"{system}\n\n{m.Content}" : m.Content;
                        text.Append($"[INST] {content} [/INST]");
                        first = false;
                    }
                    else
                        text.Append(m.Content).Append(EosToken);
                }
                break;
            case ChatTemplateKind.ChatML:
                if (DefaultSystemPrompt is not null && (messages.Count == 0 || messages[0].Role != "system"))
                    text.Append($"<|im_start|>system\n{DefaultSystemPrompt}<|im_end|>\n");
                foreach (var m in messages)
                    text.Append($"<|im_start|>{m.Role}\n{m.Content}<|im_end|>\n");
                if (addGenerationPrompt)
                    text.Append("<|im_start|>assistant\n");
                break;
            case ChatTemplateKind.Zephyr:
                foreach (var m in messages)
                    text.Append($"<|{m.Role}|>\n{m.Content}{EosToken}\n");
                if (addGenerationPrompt)
                    text.Append("<|assistant|>\n");
                break;
        }
        return text.ToString();
    }

    /// <summary>A single user turn, the shape OnlyPrompt's prompts take.</summary>
    public string RenderUser(string instruction) => Render([ChatMessage.User(instruction)]);

    /// <summary>Picks the template from a <c>tokenizer_config.json</c>'s <c>chat_template</c>, or Plain when it has none.</summary>
    public static ChatTemplate FromTokenizerConfig(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelFormatException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        string TokenText(string field) => json[field] switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonObject o => o["content"]?.GetValue<string>() ?? "",
            _ => "",
        };
        var template = json["chat_template"] switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonArray list => list.FirstOrDefault(t => t?["name"]?.GetValue<string>() == "default")?["template"]?.GetValue<string>(),
            _ => null,
        };
        var kind = Detect(template, path);
        var defaultSystem = kind == ChatTemplateKind.ChatML && template!.Contains("You are a helpful assistant.", StringComparison.Ordinal)
            ? "You are a helpful assistant." : null;
        return new ChatTemplate(kind, TokenText("bos_token"), TokenText("eos_token"), defaultSystem);
    }

    private static ChatTemplateKind Detect(string? template, string source)
    {
        if (string.IsNullOrEmpty(template))
            return ChatTemplateKind.Plain;
        if (template.Contains("<|start_header_id|>", StringComparison.Ordinal))
            return ChatTemplateKind.Llama3;
        if (template.Contains("<|im_start|>", StringComparison.Ordinal))
            return ChatTemplateKind.ChatML;
        if (template.Contains("[INST]", StringComparison.Ordinal))
            return ChatTemplateKind.Mistral;
        if (template.Contains("<|user|>", StringComparison.Ordinal))
            return ChatTemplateKind.Zephyr;
        throw new ModelFormatException($"{source}: chat_template is not one of the supported families (Llama-3, ChatML/Qwen, Mistral, Zephyr); choose one explicitly.");
    }
}
