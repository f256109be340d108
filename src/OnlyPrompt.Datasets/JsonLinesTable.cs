using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Datasets;

/// <summary>JSON Lines: one JSON object per line; blank lines are skipped but counted, so row numbers are line numbers.</summary>
public sealed class JsonLinesTable(string path) : Table(path)
{
    private IReadOnlyList<string>? columns;

    public override IReadOnlyList<string> Columns => columns ??= ColumnsOfFirstRow();

    public override IEnumerable<(long Row, JsonObject Values)> Rows(IReadOnlyCollection<string> columns)
    {
        using var reader = new StreamReader(Path);
        long line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                throw DatasetException.At(Name, line, null, $"not valid JSON ({e.Message}).");
            }
            yield return (line, node as JsonObject ?? throw DatasetException.At(Name, line, null, "is not a JSON object."));
        }
    }
}
