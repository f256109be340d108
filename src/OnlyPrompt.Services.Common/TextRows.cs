namespace OnlyPrompt.Services;

/// <summary>The fields SFT reads from a dataset line (TRL's prompt/completion shape; other columns are ignored).</summary>
public sealed record PromptCompletionRow(string Prompt, string Completion);

/// <summary>The fields preference training reads from a dataset line (TRL's prompt/chosen/rejected shape).</summary>
public sealed record PreferenceRow(string Prompt, string Chosen, string Rejected);
