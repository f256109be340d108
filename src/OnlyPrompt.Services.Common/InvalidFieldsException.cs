namespace OnlyPrompt.Services;

/// <summary>Fields of a request are invalid; the message lists each as "field: problem".</summary>
public sealed class InvalidFieldsException(IReadOnlyList<string> errors) : ArgumentException(string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
