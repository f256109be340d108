using OnlyPrompt.Method.Data;
using OnlyPrompt.Model.Tokenization;

namespace OnlyPrompt.Answering;

/// <summary>
/// What the policy is asked: an instruction as the last user turn, after the conversation's earlier turns (a system message, earlier exchanges).
/// </summary>
public sealed record ChatPrompt(string Instruction, IReadOnlyList<Message>? Context = null)
{
    public IReadOnlyList<ChatMessage> Messages() =>
        [.. (Context ?? []).Select(m => new ChatMessage(m.Role, m.Content)), ChatMessage.User(Instruction)];

    /// <summary>Each instruction as a single user turn.</summary>
    public static IReadOnlyList<ChatPrompt> Of(IEnumerable<string> instructions) => [.. instructions.Select(i => new ChatPrompt(i))];
}
