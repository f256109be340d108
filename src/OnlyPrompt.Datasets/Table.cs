using System.Text.Json.Nodes;

namespace OnlyPrompt.Datasets;

/// <summary>
/// A dataset file as rows of named values (strings, numbers, lists, objects), read one row at a time for JSON Lines
/// and one row group at a time for Parquet, so a file of any size streams through.
/// </summary>
public abstract class Table
{
    protected Table(string path) => Path = path;

    public string Path { get; }

    /// <summary>The file's name, as messages name it.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The columns the file has (for JSON Lines: those of its first row).</summary>
    public abstract IReadOnlyList<string> Columns { get; }

    /// <summary>For formats without a schema: the columns of the first row.</summary>
    protected IReadOnlyList<string> ColumnsOfFirstRow() => Rows([]).Select(r => r.Values.Select(p => p.Key).ToList()).FirstOrDefault() ?? [];

    /// <summary>Each row (numbered from 1) with the given columns; a column a row lacks is absent from its object.</summary>
    public abstract IEnumerable<(long Row, JsonObject Values)> Rows(IReadOnlyCollection<string> columns);

    public static Table Open(string path)
    {
        if (!File.Exists(path))
            throw new DatasetException($"{path}: the file does not exist.");
        return System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" when JsonArrayTable.Holds(path) => new JsonArrayTable(path),
            ".jsonl" or ".json" or ".ndjson" => new JsonLinesTable(path),
            ".parquet" => new ParquetTable(path),
            var other => throw new DatasetException($"{path}: '{other}' files are not read; use JSON Lines (.jsonl) or Parquet (.parquet)."),
        };
    }
}
