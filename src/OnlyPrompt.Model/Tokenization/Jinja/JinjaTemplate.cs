namespace OnlyPrompt.Model.Tokenization.Jinja;

/// <summary>
/// A Hugging Face chat template (Jinja), parsed once and rendered as transformers renders it: <c>trim_blocks</c> and
/// <c>lstrip_blocks</c> on, loop controls on, <c>raise_exception</c> and <c>strftime_now</c> defined.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Statement> statements;
    private readonly string source;

    private JinjaTemplate(IReadOnlyList<Statement> statements, string source)
    {
        this.statements = statements;
        this.source = source;
    }

    /// <param name="source">Where the text came from, for error messages ("tokenizer_config.json chat_template").</param>
    public static JinjaTemplate Parse(string text, string source) =>
        new(new Parser(new Lexer(text, source).Tokenize(), source).ParseTemplate(), source);

    /// <summary>Renders with the given variables (strings, numbers, bools, lists, dictionaries, or JSON elements).</summary>
    public string Render(IReadOnlyDictionary<string, object?> context) => new Interpreter(source).Render(statements, context);
}
