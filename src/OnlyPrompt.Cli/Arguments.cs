using System.Globalization;

namespace OnlyPrompt.Cli;

/// <summary>"--name value" options and positional arguments, with errors that name the option.</summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string> options = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public Arguments(string[] args, params string[] flagNames)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                Positional.Add(args[i]);
            else if (flagNames.Contains(args[i]))
                flags.Add(args[i]);
            else if (i + 1 < args.Length)
                options[args[i]] = args[++i];
            else
                throw new UsageException($"{args[i]} needs a value.");
        }
    }

    public List<string> Positional { get; } = [];

    public bool Flag(string name)
    {
        used.Add(name);
        return flags.Contains(name);
    }

    public string? Text(string name)
    {
        used.Add(name);
        return options.GetValueOrDefault(name);
    }

    public int? Integer(string name) => Parse<int?>(name, s => int.Parse(s, CultureInfo.InvariantCulture));

    public double? Number(string name) => Parse<double?>(name, s => double.Parse(s, CultureInfo.InvariantCulture));

    public List<T>? List<T>(string name, Func<string, T> parse) =>
        Parse(name, s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(parse).ToList());

    /// <summary>Refuses options nobody asked for (typos would otherwise be silently ignored).</summary>
    public void RejectUnknown()
    {
        var unknown = options.Keys.Concat(flags).Where(o => !used.Contains(o)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown option {string.Join(", ", unknown)}.");
    }

    private T? Parse<T>(string name, Func<string, T> parse)
    {
        var text = Text(name);
        if (text is null)
            return default;
        try
        {
            return parse(text);
        }
        catch (FormatException)
        {
            throw new UsageException($"{name}: '{text}' is not valid.");
        }
    }
}
