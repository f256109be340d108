using System.Text.Json.Nodes;
using ParquetSharp;
using ParquetSharp.Schema;

namespace OnlyPrompt.Datasets;

/// <summary>
/// Parquet as Hugging Face datasets write it (pyarrow): top-level columns that are scalars, lists of scalars
/// (MT-Bench's <c>turns</c>) or lists of structs of strings (<c>messages</c>, <c>chosen</c> as conversations).
/// Other column types are reported when a dataset needs them.
/// </summary>
public sealed class ParquetTable : Table
{
    private readonly List<TopColumn> topColumns;

    public ParquetTable(string path) : base(path)
    {
        try
        {
            using var file = new ParquetFileReader(path);
            var schema = file.FileMetaData!.Schema;
            topColumns = Enumerable.Range(0, schema.NumColumns).Select(i => (Index: i, Descriptor: schema.Column(i)))
                .GroupBy(c => c.Descriptor.Path.ToDotVector()[0])
                .Select(g => new TopColumn(g.Key, g.Select(c => (c.Index, c.Descriptor)).ToList()))
                .ToList();
        }
        catch (ParquetException e)
        {
            throw new DatasetException($"{Name}: not a readable Parquet file ({e.Message}).");
        }
    }

    public override IReadOnlyList<string> Columns => topColumns.Select(c => c.Name).ToList();

    public override IEnumerable<(long Row, JsonObject Values)> Rows(IReadOnlyCollection<string> columns)
    {
        var wanted = topColumns.Where(c => columns.Contains(c.Name)).ToList();
        using var file = Open();
        long row = 0;
        for (var group = 0; group < file.FileMetaData!.NumRowGroups; group++)
        {
            JsonNode?[][] values;
            int count;
            using (var rowGroup = file.RowGroup(group))
            {
                count = checked((int)rowGroup.MetaData.NumRows);
                values = wanted.Select(c => Read(rowGroup, c, count, row)).ToArray();
            }
            for (var i = 0; i < count; i++)
            {
                var item = new JsonObject();
                for (var c = 0; c < wanted.Count; c++)
                    if (values[c][i] is { } value)
                        item[wanted[c].Name] = value;
                yield return (++row, item);
            }
        }
    }

    private ParquetFileReader Open()
    {
        try
        {
            return new ParquetFileReader(Path);
        }
        catch (ParquetException e)
        {
            throw new DatasetException($"{Name}: not a readable Parquet file ({e.Message}).");
        }
    }

    private sealed record TopColumn(string Name, List<(int Index, ColumnDescriptor Descriptor)> Leaves);

    private JsonNode?[] Read(RowGroupReader rowGroup, TopColumn column, int count, long firstRow)
    {
        try
        {
            var leaves = column.Leaves;
            var first = leaves[0].Descriptor;
            if (leaves.Count == 1 && first.MaxRepetitionLevel == 0 && first.Path.ToDotVector().Length == 1)
                return ReadScalars(rowGroup.Column(leaves[0].Index), first, count);
            if (leaves.Count == 1 && first.MaxRepetitionLevel == 1 && first.Path.ToDotVector().Length == 3 && first.LogicalType is StringLogicalType)
            {
                using var reader = rowGroup.Column(leaves[0].Index).LogicalReader<string?[]?>();
                return reader.ReadAll(count).Select(list => list is null ? null : (JsonNode)new JsonArray(list.Select(s => (JsonNode?)s).ToArray())).ToArray();
            }
            if (leaves.All(l => l.Descriptor.MaxRepetitionLevel == 1 && l.Descriptor.Path.ToDotVector().Length == 4 && l.Descriptor.LogicalType is StringLogicalType))
                return ReadStructLists(rowGroup, leaves, count);
        }
        catch (ParquetException e)
        {
            throw DatasetException.At(Name, firstRow + 1, column.Name, $"cannot be read ({e.Message}).");
        }
        throw DatasetException.At(Name, firstRow + 1, column.Name,
            "has a Parquet type that is not read (supported: strings, numbers, booleans, lists of strings, lists of structs of strings).");
    }

    private static JsonNode?[] ReadScalars(ColumnReader column, ColumnDescriptor descriptor, int count)
    {
        var optional = descriptor.MaxDefinitionLevel > 0;
        return descriptor.PhysicalType switch
        {
            PhysicalType.ByteArray or PhysicalType.FixedLenByteArray when descriptor.LogicalType is StringLogicalType or JsonLogicalType =>
                Values<string?>(column, count, s => s),
            PhysicalType.Boolean => optional ? Values<bool?>(column, count, b => b) : Values<bool>(column, count, b => b),
            PhysicalType.Int32 => optional ? Values<int?>(column, count, v => v) : Values<int>(column, count, v => v),
            PhysicalType.Int64 => optional ? Values<long?>(column, count, v => v) : Values<long>(column, count, v => v),
            PhysicalType.Float => optional ? Values<float?>(column, count, v => v) : Values<float>(column, count, v => v),
            PhysicalType.Double => optional ? Values<double?>(column, count, v => v) : Values<double>(column, count, v => v),
            _ => throw new ParquetException("type", $"physical type {descriptor.PhysicalType} with logical type {descriptor.LogicalType} is not read"),
        };
    }

    private static JsonNode?[] Values<T>(ColumnReader column, int count, Func<T, JsonNode?> convert)
    {
        using var reader = column.LogicalReader<T>();
        return reader.ReadAll(count).Select(convert).ToArray();
    }

    // Each field of the struct is its own leaf column; the lists line up row by row and item by item.
    private static JsonNode?[] ReadStructLists(RowGroupReader rowGroup, List<(int Index, ColumnDescriptor Descriptor)> leaves, int count)
    {
        var fields = leaves.Select(leaf =>
        {
            var name = leaf.Descriptor.Path.ToDotVector()[3];
            var column = rowGroup.Column(leaf.Index);
            var elementOptional = leaf.Descriptor.SchemaNode.Parent!.Repetition == Repetition.Optional;
            if (elementOptional)
            {
                using var reader = column.LogicalReader<Nested<string?>?[]?>();
                return (Name: name, Lists: reader.ReadAll(count).Select(l => l?.Select(n => n?.Value).ToArray()).ToArray());
            }
            using var required = column.LogicalReader<Nested<string?>[]?>();
            return (Name: name, Lists: required.ReadAll(count).Select(l => l?.Select(n => (string?)n.Value).ToArray()).ToArray());
        }).ToList();
        var result = new JsonNode?[count];
        for (var row = 0; row < count; row++)
        {
            if (fields[0].Lists[row] is not { } items)
                continue;
            result[row] = new JsonArray(Enumerable.Range(0, items.Length)
                .Select(i => (JsonNode?)new JsonObject(fields.Select(f => KeyValuePair.Create(f.Name, (JsonNode?)f.Lists[row]![i])))).ToArray());
        }
        return result;
    }
}
