using OnlyPrompt.Method.Data;

namespace OnlyPrompt.Datasets;

/// <summary>How a file of one kind lays out its examples: the columns read and how a row becomes a canonical example.</summary>
public sealed record Shape<T>(string Description, IReadOnlyList<string> Columns, Func<Cells, T> Read);

/// <summary>Turns conversations into the canonical prompt (the last user turn) and its context (the turns before).</summary>
internal static class Turns
{
    public static (string Prompt, IReadOnlyList<Message>? Context) SplitLastUserTurn(Cells cells, string column, IReadOnlyList<Message> messages)
    {
        var last = messages.Count - 1;
        while (last >= 0 && messages[last].Role != "user")
            last--;
        if (last < 0)
            throw cells.Error(column, "has no user message.");
        if (messages[last].Content.Trim().Length == 0)
            throw cells.Error(column, $"message {last} (the last user turn) is empty.");
        return (messages[last].Content, last == 0 ? null : messages.Take(last).ToList());
    }

    /// <summary>A conversation that ends with the assistant's answer: (prompt, context, answer).</summary>
    public static (string Prompt, IReadOnlyList<Message>? Context, string Answer) SplitAnswer(Cells cells, string column, List<Message> messages)
    {
        if (messages.Count < 2 || messages[^1].Role != "assistant" || messages[^2].Role != "user")
            throw cells.Error(column, "must end with a user message followed by the assistant's answer.");
        if (messages[^1].Content.Trim().Length == 0)
            throw cells.Error(column, "the assistant's answer is empty.");
        var (prompt, context) = SplitLastUserTurn(cells, column, messages[..^1]);
        return (prompt, context, messages[^1].Content);
    }

    /// <summary>A completion given as messages: one assistant message.</summary>
    public static string SingleAnswer(Cells cells, string column)
    {
        var messages = cells.Conversation(column);
        if (messages.Count != 1 || messages[0].Role != "assistant")
            throw cells.Error(column, "must be one assistant message when the prompt is a separate column.");
        return messages[0].Content.Trim().Length > 0 ? messages[0].Content : throw cells.Error(column, "the assistant's answer is empty.");
    }

    public static (string Prompt, IReadOnlyList<Message>? Context) Prompt(Cells cells, string column) =>
        cells.IsConversation(column) ? SplitLastUserTurn(cells, column, cells.Conversation(column)) : (cells.NonEmptyText(column), null);
}
