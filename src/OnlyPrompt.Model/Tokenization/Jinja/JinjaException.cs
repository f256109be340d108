namespace OnlyPrompt.Model.Tokenization.Jinja;

/// <summary>A template that cannot be parsed or rendered; names the template, line and column.</summary>
public class JinjaException(string message) : Exception(message)
{
    public static JinjaException At(string source, Position position, string message) =>
        new($"{source}, line {position.Line}, column {position.Column}: {message}");
}

/// <summary>The template itself raised (<c>raise_exception("...")</c>): the message is the template's.</summary>
public sealed class TemplateRaisedException(string message) : JinjaException(message);

/// <summary>Where a token starts in the template text, 1-based.</summary>
public readonly record struct Position(int Line, int Column);
