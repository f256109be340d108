namespace OnlyPrompt.Datasets;

/// <summary>
/// Where a file keeps the columns OnlyPrompt reads, when it names them differently: <c>prompt=question,chosen=good</c>
/// reads the canonical column <c>prompt</c> from the file's <c>question</c>.
/// </summary>
public sealed class ColumnMap
{
    private readonly Dictionary<string, string> names;

    private ColumnMap(Dictionary<string, string> names) => this.names = names;

    public static ColumnMap None { get; } = new([]);

    /// <summary>Parses <c>canonical=actual</c> pairs separated by commas.</summary>
    public static ColumnMap Parse(string? text)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new DatasetException($"column mapping '{pair}' is not of the form canonical=actual (prompt=question, say).");
            names[parts[0]] = parts[1];
        }
        return new ColumnMap(names);
    }

    /// <summary>The file's name for a canonical column.</summary>
    public string this[string canonical] => names.GetValueOrDefault(canonical, canonical);
}
