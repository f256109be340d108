using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OnlyPrompt.Evaluation.Judging;

/// <summary>
/// Remembers every completion in a JSON Lines file keyed by (judge model, request), so a re-run of an evaluation
/// asks the judge nothing it was asked before. Only greedy requests are cached: sampled ones are meant to differ.
/// </summary>
public sealed class CachedChatCompletions : IChatCompletions
{
    private sealed record Entry(string Key, ChatCompletion Completion);

    private readonly IChatCompletions inner;
    private readonly string path;
    private readonly Dictionary<string, ChatCompletion> entries = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public CachedChatCompletions(IChatCompletions inner, string path)
    {
        this.inner = inner;
        this.path = path;
        var lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            try
            {
                var entry = JsonSerializer.Deserialize<Entry>(lines[i]) ?? throw new JsonException("null entry");
                entries[entry.Key] = entry.Completion;
            }
            catch (JsonException e)
            {
                if (i < lines.Length - 1)
                    throw new FormatException($"{path}, line {i + 1}: not a judge cache entry: {e.Message}", e);
                // A crash while appending leaves at most a torn last line: drop it (its answer is asked again) so appends stay whole lines.
                File.WriteAllLines(path, lines[..i]);
            }
        }
    }

    public string Model => inner.Model;

    public int Hits { get; private set; }

    public int Count
    {
        get
        {
            lock (gate)
                return entries.Count;
        }
    }

    public async Task<ChatCompletion> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellation)
    {
        if (request.Temperature > 0)
            return await inner.CompleteAsync(request, cancellation);
        var key = Key(request);
        lock (gate)
            if (entries.TryGetValue(key, out var cached))
            {
                Hits++;
                return cached;
            }
        var completion = await inner.CompleteAsync(request, cancellation);
        lock (gate)
        {
            entries[key] = completion;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.AppendAllText(path, JsonSerializer.Serialize(new Entry(key, completion)) + "\n");
        }
        return completion;
    }

    private string Key(ChatCompletionRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { judge = inner.Model, request }))));
}
