using System.Text.Json;

namespace OnlyPrompt.Method.Data;

/// <summary>Reads and writes JSON Lines with snake_case field names; a bad line is reported by file and line number.</summary>
public static class JsonLines
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep "+" and quotes readable
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static void Write<T>(string path, IEnumerable<T> records)
    {
        var temporary = path + ".partial";
        using (var writer = new StreamWriter(temporary))
            foreach (var record in records)
                writer.WriteLine(JsonSerializer.Serialize(record, Options));
        File.Move(temporary, path, overwrite: true);
    }

    public static List<T> Read<T>(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file does not exist.", path);
        using var reader = new StreamReader(path);
        return Read<T>(reader, path);
    }

    /// <summary>Reads every record; <paramref name="source"/> names the file or blob in error messages.</summary>
    public static List<T> Read<T>(TextReader reader, string source)
    {
        var records = new List<T>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<T>(line, Options) ?? throw new JsonException("the line is null."));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{source}, line {number}: {e.Message}", e);
            }
        }
        return records;
    }
}
