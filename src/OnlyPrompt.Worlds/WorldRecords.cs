namespace OnlyPrompt.Worlds;

// JSON Lines records in TRL's shapes (prompt/completion, prompt/chosen/rejected) plus our metadata columns.

public sealed record SftRecord(string Prompt, string Completion, string Family, int? RequestedScore, double Quality, bool Leaked);

public sealed record PreferenceRecord(string Prompt, string Chosen, string Rejected, string Family, double ChosenQuality, double RejectedQuality);

public sealed record JudgeRecord(string Prompt, string Completion, string Family, int TrueScore);
