using System.Diagnostics;
using System.Text.Json;

namespace OnlyPrompt.TestSupport;

/// <summary>Parquet files written by hyparquet-writer (npm), so the reader is checked against an independent writer.</summary>
public static class IndependentParquet
{
    /// <param name="columns">Column name to type: string, double, int64, messages (list of role/content structs), strings.</param>
    public static string Write(string path, IReadOnlyDictionary<string, string> columns, IEnumerable<object> rows)
    {
        var script = Path.Combine(Repository.Root, "tests", "OnlyPrompt.TestSupport", "write-parquet.mjs");
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var options = new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        process.StandardInput.Write(JsonSerializer.Serialize(new { path, columns, rows }, options));
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
            throw new InvalidOperationException($"node {script} failed: {error.Result} (run 'npm ci' in {Repository.Root}; test.sh does)");
        return path;
    }
}
