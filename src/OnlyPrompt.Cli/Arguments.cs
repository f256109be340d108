using System.CommandLine;
using System.Globalization;

namespace OnlyPrompt.Cli;

/// <summary>
/// The values of one parsed command (<see cref="CliCommands"/>), read by option name. System.CommandLine has already
/// refused unknown options and options without their value; the numbers are parsed here, in the invariant culture,
/// with errors that name the option.
/// </summary>
public sealed class Arguments(ParseResult result)
{
    /// <summary>Parses <paramref name="args"/> as the given command's arguments, as the command line would.</summary>
    public static Arguments For(string command, params string[] args)
    {
        var result = CliCommands.Root().Parse([command, .. args]);
        return result.Errors.Count == 0 ? new Arguments(result)
            : throw new UsageException(string.Join(Environment.NewLine, result.Errors.Select(e => e.Message)));
    }

    /// <summary>The command's positional argument (a run's id).</summary>
    public string? Positional => result.CommandResult.Command.Arguments.Count == 0 ? null : result.GetValue<string>(Declared<Argument>("run").Name);

    public bool Flag(string name) => result.GetValue<bool>(Declared<Option>(name).Name);

    public string? Text(string name) => result.GetValue<string?>(Declared<Option>(name).Name);

    public int? Integer(string name) => Parse<int?>(name, s => int.Parse(s, CultureInfo.InvariantCulture));

    public double? Number(string name) => Parse<double?>(name, s => double.Parse(s, CultureInfo.InvariantCulture));

    public List<T>? List<T>(string name, Func<string, T> parse) =>
        Parse(name, s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(parse).ToList());

    // A name the command does not declare is a bug in the caller, not a usage error (and never an ArgumentException,
    // which the option readers turn into usage errors).
    private T Declared<T>(string name) where T : Symbol =>
        result.CommandResult.Command.Children.OfType<T>().FirstOrDefault(s => s.Name == name)
        ?? throw new InvalidOperationException($"onlyprompt {result.CommandResult.Command.Name} declares no {name}.");

    private T? Parse<T>(string name, Func<string, T> parse)
    {
        var text = Text(name);
        if (text is null)
            return default;
        try
        {
            return parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new UsageException($"{name}: '{text}' is not valid.");
        }
    }
}
