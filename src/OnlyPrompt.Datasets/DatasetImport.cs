using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnlyPrompt.Datasets;

/// <summary>What an import found: "61,135 preference rows, conversational with implicit prompt, from train_prefs.parquet".</summary>
public sealed record ImportReport(DatasetKind Kind, string File, long Rows, string Shape)
{
    public override string ToString() => $"{Rows:N0} {Noun} rows, {Shape}, from {File}";

    private string Noun => Kind switch
    {
        DatasetKind.Sft => "SFT",
        DatasetKind.Preferences => "preference",
        DatasetKind.Prompts => "prompt",
        _ => "evaluation",
    };
}

/// <summary>
/// Reads a dataset file in any of the field's shapes (<see cref="Shapes"/>), checks every row, and writes the canonical
/// JSON Lines the services read. A bad row refuses the whole file, naming file, row and column, and nothing is written.
/// </summary>
public static class DatasetImport
{
    public static readonly JsonSerializerOptions Canonical = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static ImportReport Import(string path, DatasetKind kind, string outputPath, ColumnMap? columns = null) => kind switch
    {
        DatasetKind.Sft => Import(path, kind, outputPath, columns, Shapes.Sft),
        DatasetKind.Preferences => Import(path, kind, outputPath, columns, Shapes.Preferences),
        DatasetKind.Prompts => Import(path, kind, outputPath, columns, Shapes.Prompts),
        _ => Import(path, kind, outputPath, columns, Shapes.Eval),
    };

    private static ImportReport Import<T>(string path, DatasetKind kind, string outputPath, ColumnMap? columns,
        Func<IReadOnlyCollection<string>, Cells, ColumnMap, Shape<T>> detect)
    {
        var map = columns ?? ColumnMap.None;
        var table = Table.Open(path);
        var available = table.Columns;
        var (firstRow, firstValues) = table.Rows(available).FirstOrDefault();
        if (firstValues is null)
            throw new DatasetException($"{table.Name}: the file has no rows.");
        var shape = detect(available, new Cells(table.Name, firstRow, firstValues, map), map);
        var temporary = outputPath + ".partial";
        long rows = 0;
        try
        {
            using (var writer = new StreamWriter(temporary))
                foreach (var (row, values) in table.Rows(shape.Columns))
                {
                    writer.WriteLine(JsonSerializer.Serialize(shape.Read(new Cells(table.Name, row, values, map)), Canonical));
                    rows++;
                }
            File.Move(temporary, outputPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return new ImportReport(kind, table.Name, rows, shape.Description);
    }
}
