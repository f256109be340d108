namespace OnlyPrompt.Sampler.OpenAi;

/// <summary>A request the OpenAI-compatible endpoints refuse, answered in OpenAI's error shape with the offending field as <c>param</c>.</summary>
public sealed class OpenAiError(int status, string type, string? param, string message) : Exception(message)
{
    public int Status => status;
    public string Type => type;
    public string? Param => param;

    public static OpenAiError Invalid(string param, string message) =>
        new(StatusCodes.Status400BadRequest, "invalid_request_error", param, $"{param}: {message}");

    public object Body => new { error = new { message = Message, type, param, code = (string?)null } };
}
