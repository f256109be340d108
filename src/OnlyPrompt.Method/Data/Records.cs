namespace OnlyPrompt.Method.Data;

/// <summary>
/// A prompt for the online rounds: no answer travels with it, so the rounds cannot peek. <see cref="Set"/> names the
/// disjoint prompt set it belongs to (null: one set that every round uses); see <see cref="RoundPromptSets"/>. <see cref="Context"/>
/// holds the turns before <see cref="Prompt"/>, the last user turn, which is where the prefixes go.
/// </summary>
public sealed record PromptRecord(string Prompt, string? Family = null, int? Set = null, IReadOnlyList<Message>? Context = null);

/// <summary>
/// A held-out prompt. <see cref="Answer"/> is the reference answer the exact scorer needs (null in sets scored by a
/// reward model or judge); <see cref="Family"/> groups results, and <see cref="Reference"/> is a reference output (AlpacaEval's).
/// </summary>
public sealed record EvalRecord(string Prompt, string? Answer = null, string? Family = null, string? Reference = null)
{
    public const string NoFamily = "all";

    public string Group => Family ?? NoFamily;
}
