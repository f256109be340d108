using System.Text.Json;
using System.Text.Json.Nodes;
using OnlyPrompt.Method.Data;

namespace OnlyPrompt.Datasets;

/// <summary>Reads the cells of a row: text, message lists and scores, each refused with its file, row and column when malformed.</summary>
public sealed class Cells(string file, long row, JsonObject values, ColumnMap columns)
{
    private static readonly HashSet<string> Roles = ["system", "user", "assistant"];

    public bool Has(string canonical) => values[columns[canonical]] is not null;

    public bool IsConversation(string canonical) => values[columns[canonical]] is JsonArray;

    public DatasetException Error(string canonical, string message) => DatasetException.At(file, row, columns[canonical], message);

    public string Text(string canonical)
    {
        var node = values[columns[canonical]] ?? throw Error(canonical, "is missing.");
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
            : throw Error(canonical, $"is {Kind(node)}, not a string.");
    }

    public string? OptionalText(string canonical) => Has(canonical) ? Text(canonical) : null;

    /// <summary>A non-empty string (a response, a prompt).</summary>
    public string NonEmptyText(string canonical)
    {
        var text = Text(canonical);
        return text.Trim().Length > 0 ? text : throw Error(canonical, "is empty.");
    }

    /// <summary>A list of strings (MT-Bench's turns).</summary>
    public List<string> TextList(string canonical)
    {
        var node = values[columns[canonical]] ?? throw Error(canonical, "is missing.");
        if (node is not JsonArray list)
            throw Error(canonical, $"is {Kind(node)}, not a list of strings.");
        return list.Select((item, i) => item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
            : throw Error(canonical, $"item {i} is {Kind(item)}, not a string.")).ToList();
    }

    /// <summary>An identifier: a string or a number, as text.</summary>
    public string? OptionalScalar(string canonical) => values[columns[canonical]] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number => v.ToString(),
        var other => throw Error(canonical, $"is {Kind(other)}, not a string or number."),
    };

    public double? OptionalScore(string canonical)
    {
        if (!Has(canonical))
            return null;
        var node = values[columns[canonical]]!;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
            throw Error(canonical, $"is {Kind(node)}, not a number.");
        var score = v.GetValue<double>();
        return double.IsFinite(score) ? score : throw Error(canonical, "is not a finite number.");
    }

    /// <summary>A list of {role, content} messages with known roles and string contents.</summary>
    public List<Message> Conversation(string canonical)
    {
        var node = values[columns[canonical]] ?? throw Error(canonical, "is missing.");
        if (node is not JsonArray list)
            throw Error(canonical, $"is {Kind(node)}, not a list of messages.");
        var messages = new List<Message>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject message)
                throw Error(canonical, $"message {i} is {Kind(list[i])}, not an object with role and content.");
            var role = message["role"] is JsonValue r && r.GetValueKind() == JsonValueKind.String ? r.GetValue<string>()
                : throw Error(canonical, $"message {i} has no string 'role'.");
            if (!Roles.Contains(role))
                throw Error(canonical, $"message {i} has role '{role}'; expected system, user or assistant.");
            var content = message["content"] switch
            {
                JsonValue c when c.GetValueKind() == JsonValueKind.String => c.GetValue<string>(),
                var other => throw Error(canonical, $"message {i} has content that is {Kind(other)}, not a string."),
            };
            messages.Add(new Message(role, content));
        }
        return messages;
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        },
        _ => "unknown",
    };
}
