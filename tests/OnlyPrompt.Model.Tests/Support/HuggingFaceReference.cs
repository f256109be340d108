using System.Diagnostics;
using System.Text.Json;

namespace OnlyPrompt.Model.Tests.Support;

/// <summary>
/// Token ids from Hugging Face's tokenizer implementation (the transformers.js port in the npm package
/// @lenml/tokenizers, installed by the repository's package.json), computed live by Fixtures/hf-token-ids.mjs.
/// </summary>
public static class HuggingFaceReference
{
    public static string NodeModules => Path.Combine(Repository.Root, "node_modules");

    public static int[][] Encode(string tokenizerJson, string? tokenizerConfig, IReadOnlyList<string> texts, bool addSpecialTokens = false) =>
        Run<int[][]>(tokenizerJson, tokenizerConfig, texts, addSpecialTokens ? "--add-special-tokens" : null);

    /// <summary>Hugging Face's decoding of each id list, special tokens kept, without clean-up of spaces.</summary>
    public static string[] Decode(string tokenizerJson, string? tokenizerConfig, IReadOnlyList<int[]> ids) =>
        Run<string[]>(tokenizerJson, tokenizerConfig, ids, "--decode");

    private static T Run<T>(string tokenizerJson, string? tokenizerConfig, object input, string? flag)
    {
        if (!Directory.Exists(Path.Combine(NodeModules, "@lenml", "tokenizers")))
            throw new InvalidOperationException($"{NodeModules}/@lenml/tokenizers is missing: run 'npm ci' in {Repository.Root} (test.sh does).");
        // Run from the repository so node resolves @lenml/* from its node_modules.
        var script = Path.Combine(Repository.Root, "tests", "OnlyPrompt.Model.Tests", "Fixtures", "hf-token-ids.mjs");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(tokenizerJson);
        if (tokenizerConfig is not null)
            start.ArgumentList.Add(tokenizerConfig);
        if (flag is not null)
            start.ArgumentList.Add(flag);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
            throw new TimeoutException($"{script} did not finish in 60 s.");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"node {script} failed ({process.ExitCode}): {error.Result[^Math.Min(error.Result.Length, 1500)..]}");
        return JsonSerializer.Deserialize<T>(output.Result)!;
    }
}
