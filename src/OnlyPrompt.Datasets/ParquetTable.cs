using System.Text.Json.Nodes;
using ParquetSharp;

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
            // Only plain facts are kept: a descriptor is not valid once its reader is disposed.
            topColumns = Enumerable.Range(0, schema.NumColumns).Select(i => Leaf.Of(i, schema.Column(i)))
                .GroupBy(leaf => leaf.Path[0])
                .Select(g => new TopColumn(g.Key, g.ToList()))
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

    private sealed record TopColumn(string Name, List<Leaf> Leaves);

    private sealed record Leaf(int Index, string[] Path, int MaxRepetition, bool Optional, PhysicalType Physical, bool IsString, bool ElementOptional,
        string TypeName)
    {
        public static Leaf Of(int index, ColumnDescriptor descriptor)
        {
            using var path = descriptor.Path;
            using var logical = descriptor.LogicalType;
            using var node = descriptor.SchemaNode;
            using var parent = node.Parent;
            return new Leaf(index, path.ToDotVector(), descriptor.MaxRepetitionLevel, descriptor.MaxDefinitionLevel > 0, descriptor.PhysicalType,
                logical is StringLogicalType or JsonLogicalType, parent?.Repetition == Repetition.Optional, $"{descriptor.PhysicalType} {logical}");
        }
    }

    private JsonNode?[] Read(RowGroupReader rowGroup, TopColumn column, int count, long firstRow)
    {
        try
        {
            var leaves = column.Leaves;
            var first = leaves[0];
            if (leaves.Count == 1 && first.MaxRepetition == 0 && first.Path.Length == 1)
            {
                using var scalars = rowGroup.Column(first.Index);
                return ReadScalars(scalars, first, count);
            }
            if (leaves.Count == 1 && first.MaxRepetition == 1 && first.Path.Length == 3 && first.IsString)
            {
                using var strings = rowGroup.Column(first.Index);
                using var reader = strings.LogicalReader<string?[]?>();
                return reader.ReadAll(count).Select(list => list is null ? null
                    : (JsonNode)new JsonArray(list.Select(s => (JsonNode?)s).ToArray())).ToArray();
            }
            if (leaves.All(l => l.MaxRepetition == 1 && l.Path.Length == 4 && l.IsString))
                return ReadStructLists(rowGroup, leaves, count);
        }
        catch (ParquetException e)
        {
            throw DatasetException.At(Name, firstRow + 1, column.Name, $"cannot be read ({e.Message}).");
        }
        throw DatasetException.At(Name, firstRow + 1, column.Name,
            $"has a Parquet type that is not read ({string.Join(", ", column.Leaves.Select(l => l.TypeName))}; "
            + "supported: strings, numbers, booleans, lists of strings, lists of structs of strings).");
    }

    private static JsonNode?[] ReadScalars(ColumnReader column, Leaf leaf, int count) => leaf.Physical switch
    {
        PhysicalType.ByteArray or PhysicalType.FixedLenByteArray when leaf.IsString => Values<string?>(column, count, s => s),
        PhysicalType.Boolean => leaf.Optional ? Values<bool?>(column, count, b => b) : Values<bool>(column, count, b => b),
        PhysicalType.Int32 => leaf.Optional ? Values<int?>(column, count, v => v) : Values<int>(column, count, v => v),
        PhysicalType.Int64 => leaf.Optional ? Values<long?>(column, count, v => v) : Values<long>(column, count, v => v),
        PhysicalType.Float => leaf.Optional ? Values<float?>(column, count, v => v) : Values<float>(column, count, v => v),
        PhysicalType.Double => leaf.Optional ? Values<double?>(column, count, v => v) : Values<double>(column, count, v => v),
        _ => throw new ParquetException("type", $"{leaf.TypeName} is not read"),
    };

    private static JsonNode?[] Values<T>(ColumnReader column, int count, Func<T, JsonNode?> convert)
    {
        using var reader = column.LogicalReader<T>();
        return reader.ReadAll(count).Select(convert).ToArray();
    }

    // Each field of the struct is its own leaf column; the lists line up row by row and item by item.
    private static JsonNode?[] ReadStructLists(RowGroupReader rowGroup, List<Leaf> leaves, int count)
    {
        var fields = leaves.Select(leaf =>
        {
            using var column = rowGroup.Column(leaf.Index);
            if (leaf.ElementOptional)
            {
                using var reader = column.LogicalReader<Nested<string?>?[]?>();
                return (Name: leaf.Path[3], Lists: reader.ReadAll(count).Select(l => l?.Select(n => n?.Value).ToArray()).ToArray());
            }
            using var required = column.LogicalReader<Nested<string?>[]?>();
            return (Name: leaf.Path[3], Lists: required.ReadAll(count).Select(l => l?.Select(n => (string?)n.Value).ToArray()).ToArray());
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
