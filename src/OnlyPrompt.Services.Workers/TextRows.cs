using OnlyPrompt.Model.Tokenization;

namespace OnlyPrompt.Services;

// Context: the turns before the prompt's user turn (a system message, earlier exchanges), as imported datasets write them.

/// <summary>The fields SFT reads from a dataset line (TRL's prompt/completion shape; other columns are ignored).</summary>
public sealed record PromptCompletionRow(string Prompt, string Completion, IReadOnlyList<ChatMessage>? Context = null);

/// <summary>The fields preference training reads from a dataset line (TRL's prompt/chosen/rejected shape).</summary>
public sealed record PreferenceRow(string Prompt, string Chosen, string Rejected, IReadOnlyList<ChatMessage>? Context = null);
