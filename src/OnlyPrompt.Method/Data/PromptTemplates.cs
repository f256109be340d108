using System.Globalization;

namespace OnlyPrompt.Method.Data;

/// <summary>The method's two prefixes (docs/method.md), verbatim (the single space before the instruction included), configurable.</summary>
public sealed record PromptTemplates(
    string Chosen = PromptTemplates.DefaultChosen,
    string Rejected = PromptTemplates.DefaultRejected)
{
    public const string DefaultChosen = "Please produce a top-notch response that merits a perfect score of 10 out of 10. ";
    public const string DefaultRejected = "Please produce a good response that merits a perfect score of {s} out of 10. ";

    /// <summary>Where a template takes the requested score.</summary>
    public const string ScorePlaceholder = "{s}";

    /// <summary>Rejected answers are asked for 0..9 out of 10: 10 is the chosen answers' score.</summary>
    public const int HighestRejectedScore = 9;

    public string ChosenInstruction(string instruction) => Chosen + instruction;

    public string RejectedInstruction(string instruction, int score) => WithScore(Rejected, score) + instruction;

    public static string WithScore(string template, int score) =>
        template.Replace(ScorePlaceholder, score.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public static bool HasScorePlaceholder(string template) => template.Contains(ScorePlaceholder, StringComparison.Ordinal);

    /// <summary>Null for a valid rejected score, else what is wrong with it ("is 12; it must be in 0..9.").</summary>
    public static string? RejectedScoreProblem(int score) =>
        score is >= 0 and <= HighestRejectedScore ? null : $"is {score}; it must be in 0..{HighestRejectedScore}.";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Chosen))
            throw new ArgumentException("the chosen template is empty.", nameof(Chosen));
        if (!HasScorePlaceholder(Rejected))
            throw new ArgumentException($"the rejected template must contain {ScorePlaceholder}, where the rejected score goes.", nameof(Rejected));
    }
}
