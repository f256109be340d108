using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Datasets;

/// <summary>
/// A JSON file holding one array of objects, as AlpacaEval ships <c>alpaca_eval.json</c>; streamed element by element.
/// Rows are numbered by their place in the array, from 1.
/// </summary>
public sealed class JsonArrayTable(string path) : Table(path)
{
    private IReadOnlyList<string>? columns;

    public override IReadOnlyList<string> Columns => columns ??= ColumnsOfFirstRow();

    public override IEnumerable<(long Row, JsonObject Values)> Rows(IReadOnlyCollection<string> columns)
    {
        using var stream = File.OpenRead(Path);
        using var elements = JsonSerializer.DeserializeAsyncEnumerable<JsonNode>(stream).ToBlockingEnumerable().GetEnumerator();
        for (long row = 1; ; row++)
        {
            try
            {
                if (!elements.MoveNext())
                    yield break;
            }
            catch (JsonException e)
            {
                throw DatasetException.At(Name, row, null, $"not valid JSON ({e.Message}).");
            }
            yield return (row, elements.Current as JsonObject ?? throw DatasetException.At(Name, row, null, "is not a JSON object."));
        }
    }

    /// <summary>True when the file's first non-blank character opens an array.</summary>
    public static bool Holds(string path)
    {
        using var reader = new StreamReader(path);
        int c;
        while ((c = reader.Read()) >= 0 && char.IsWhiteSpace((char)c))
        {
        }
        return c == '[';
    }
}
