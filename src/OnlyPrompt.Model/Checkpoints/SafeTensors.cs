using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Checkpoints;

/// <summary>Where one tensor lives in a safetensors file.</summary>
public sealed record SafeTensorEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads and writes the safetensors format exactly as Hugging Face's <c>safetensors</c> library does: an
/// 8-byte little-endian header length, a JSON header padded with spaces to a multiple of 8 bytes that holds
/// <c>{"format": "pt"}</c> metadata, then the raw little-endian tensor bytes.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["BF16"] = ScalarType.BFloat16,
        ["F16"] = ScalarType.Float16, ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8, ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"dtype {dtype} cannot be stored in safetensors here."),
    };

    private static string DTypeName(ScalarType dtype) =>
        DTypes.FirstOrDefault(p => p.Value == dtype).Key ?? throw new NotSupportedException($"dtype {dtype} cannot be stored in safetensors here.");

    /// <summary>Reads and validates the header; offsets are absolute file positions.</summary>
    public static IReadOnlyDictionary<string, SafeTensorEntry> ReadHeader(string path)
    {
        using var file = File.OpenRead(path);
        return ReadHeader(file, path);
    }

    private static Dictionary<string, SafeTensorEntry> ReadHeader(FileStream file, string path)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (file.Length < 8 || file.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw new ModelFormatException($"{path}: truncated safetensors file (shorter than its 8-byte header length).");
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > file.Length)
            throw new ModelFormatException($"{path}: header length {headerLength} does not fit a file of {file.Length} bytes (truncated or not " +
                "safetensors).");
        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject ?? throw new ModelFormatException($"{path}: header is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: header is not valid JSON: {e.Message}", e);
        }

        var dataStart = 8 + headerLength;
        var dataLength = file.Length - dataStart;
        var entries = new Dictionary<string, SafeTensorEntry>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
                continue;
            if (node is not JsonObject info)
                throw new ModelFormatException($"{path}: tensor '{name}': entry is not an object.");
            var dtypeName = info["dtype"]?.GetValue<string>();
            if (dtypeName is null || !DTypes.TryGetValue(dtypeName, out var dtype))
                throw new ModelFormatException($"{path}: tensor '{name}': unsupported dtype '{dtypeName}'.");
            if (info["shape"] is not JsonArray shapeNode || info["data_offsets"] is not JsonArray { Count: 2 } offsets)
                throw new ModelFormatException($"{path}: tensor '{name}': missing 'shape' or 'data_offsets'.");
            var shape = shapeNode.Select(d => d!.GetValue<long>()).ToArray();
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
            if (shape.Any(d => d < 0) || begin < 0 || end < begin || end - begin != expected)
                throw new ModelFormatException($"{path}: tensor '{name}': {dtypeName} [{string.Join(", ", shape)}] needs {expected} bytes but " +
                    $"data_offsets are [{begin}, {end}].");
            if (end > dataLength)
                throw new ModelFormatException($"{path}: tensor '{name}': data ends at byte {end} but the file holds only {dataLength} bytes of " +
                    "data (truncated).");
            entries[name] = new SafeTensorEntry(name, dtype, shape, dataStart + begin, dataStart + end);
        }
        long covered = 0;
        foreach (var entry in entries.Values.OrderBy(e => e.Begin))
        {
            if (entry.Begin - dataStart != covered)
                throw new ModelFormatException($"{path}: tensor '{entry.Name}' starts at {entry.Begin - dataStart}, " +
                    $"expected {covered} (overlapping or gapped data).");
            covered = entry.End - dataStart;
        }
        if (covered != dataLength)
            throw new ModelFormatException($"{path}: tensors cover {covered} bytes but the file holds {dataLength} bytes of data.");
        return entries;
    }

    /// <summary>Loads every tensor of a file onto the CPU, in its stored dtype.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var file = File.OpenRead(path);
        var result = new Dictionary<string, Tensor>();
        foreach (var entry in ReadHeader(file, path).Values)
            result[entry.Name] = ReadTensor(file, entry);
        return result;
    }

    public static Tensor ReadTensor(FileStream file, SafeTensorEntry entry)
    {
        var tensor = empty(entry.Shape, entry.DType);
        var length = entry.End - entry.Begin;
        if (length == 0)
            return tensor;
        file.Position = entry.Begin;
        var target = tensor.bytes;
        file.ReadExactly(target);
        return tensor;
    }

    /// <summary>
    /// Writes tensors (any device, any layout) to <paramref name="path"/> through a temporary file that is renamed
    /// into place only once complete, so a crash never leaves a file that looks whole.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        var meta = new JsonObject { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            meta[key] = value;
        header["__metadata__"] = meta;
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            var size = tensor.numel() * ElementSize(tensor.dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(tensor.dtype),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;

        var temporary = path + ".partial";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(prefix, padded);
            file.Write(prefix);
            file.Write(json);
            for (var i = json.Length; i < padded; i++)
                file.WriteByte((byte)' ');
            foreach (var (_, tensor) in ordered)
            {
                using var cpu = tensor.detach().cpu().contiguous();
                if (cpu.numel() > 0)
                    file.Write(cpu.bytes);
            }
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
