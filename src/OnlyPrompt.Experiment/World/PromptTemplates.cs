using System.Globalization;

namespace OnlyPrompt.Experiment.World;

/// <summary>The method's two prefixes (docs/method.md), verbatim (the single space before the instruction included), configurable.</summary>
public sealed record PromptTemplates(
    string Chosen = PromptTemplates.DefaultChosen,
    string Rejected = PromptTemplates.DefaultRejected)
{
    public const string DefaultChosen = "Please produce a top-notch response that merits a perfect score of 10 out of 10. ";
    public const string DefaultRejected = "Please produce a good response that merits a perfect score of {s} out of 10. ";

    public string ChosenInstruction(string instruction) => Chosen + instruction;

    public string RejectedInstruction(string instruction, int score) =>
        Rejected.Replace("{s}", score.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) + instruction;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Chosen))
            throw new ArgumentException("the chosen template is empty.", nameof(Chosen));
        if (!Rejected.Contains("{s}", StringComparison.Ordinal))
            throw new ArgumentException("the rejected template must contain {s}, where the rejected score goes.", nameof(Rejected));
    }
}
