using OnlyPrompt.Method.Data;

namespace OnlyPrompt.Datasets;

// The canonical records an import writes (JSON Lines, snake_case, TRL's field names). In training data, Context holds the
// turns before the last user turn (a system message, earlier exchanges), null when the prompt is a single user turn.

/// <summary>An SFT example: the last user turn, the assistant's answer to it, and the turns before.</summary>
public sealed record SftExample(string Prompt, string Completion, IReadOnlyList<Message>? Context = null);

/// <summary>A preference pair for the offline initialisation, with the dataset's scores when it has them.</summary>
public sealed record PreferenceExample(string Prompt, string Chosen, string Rejected, IReadOnlyList<Message>? Context = null,
    double? ScoreChosen = null, double? ScoreRejected = null);

/// <summary>
/// A prompt of the online rounds: its last user turn (where the prefixes go) and the turns before it, which the policy sees as they are.
/// </summary>
public sealed record RoundPrompt(string Prompt, IReadOnlyList<Message>? Context = null);

/// <summary>
/// A held-out prompt. <c>Answer</c> is the reference answer an exact scorer compares with; <c>Reference</c> a reference
/// output a judge compares against (AlpacaEval's <c>output</c>); <c>Family</c> groups results (a category, a dataset).
/// </summary>
public sealed record EvalExample(string Prompt, string? Answer = null, string? Reference = null, string? Family = null, string? Id = null);

/// <summary>What a dataset file is for.</summary>
public enum DatasetKind { Sft, Preferences, Prompts, Eval }
