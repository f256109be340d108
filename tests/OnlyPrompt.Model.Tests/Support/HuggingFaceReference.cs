using System.Diagnostics;
using System.Text.Json;

namespace OnlyPrompt.Model.Tests.Support;

/// <summary>
/// Hugging Face's own implementations, run live by the scripts in Fixtures/ from the npm packages that the repository's
/// package.json installs: token ids from the transformers.js port (@lenml/tokenizers), chat templates from @huggingface/jinja.
/// </summary>
public static class HuggingFaceReference
{
    private static string NodeModules => Repository.NodeModules;

    public static int[][] Encode(string tokenizerJson, string? tokenizerConfig, IReadOnlyList<string> texts, bool addSpecialTokens = false) =>
        Run<int[][]>(tokenizerJson, tokenizerConfig, texts, addSpecialTokens ? "--add-special-tokens" : null);

    /// <summary>Hugging Face's decoding of each id list, special tokens kept, without clean-up of spaces.</summary>
    public static string[] Decode(string tokenizerJson, string? tokenizerConfig, IReadOnlyList<int[]> ids) =>
        Run<string[]>(tokenizerJson, tokenizerConfig, ids, "--decode");

    public sealed record Rendering(string? Text, string? Error);

    /// <summary>@huggingface/jinja's rendering of <paramref name="template"/> with each context (or the error it raised).</summary>
    public static Rendering[] RenderChatTemplate(string template, IReadOnlyList<IReadOnlyDictionary<string, object?>> contexts) =>
        RunScript<Rendering[]>("hf-chat-template.mjs", [], new { template, contexts });

    private static T Run<T>(string tokenizerJson, string? tokenizerConfig, object input, string? flag) =>
        RunScript<T>("hf-token-ids.mjs", [tokenizerJson, .. tokenizerConfig is null ? [] : new[] { tokenizerConfig }, .. flag is null ? []
            : new[] { flag }], input);

    private static T RunScript<T>(string scriptName, IReadOnlyList<string> arguments, object input)
    {
        if (!Directory.Exists(Path.Combine(NodeModules, "@lenml", "tokenizers")))
            throw new InvalidOperationException($"{NodeModules}/@lenml/tokenizers is missing: run 'npm ci' in {Repository.Root} (test.sh does).");
        // Run from the repository so node resolves @lenml/* from its node_modules.
        var script = Path.Combine(Repository.Root, "tests", "OnlyPrompt.Model.Tests", "Fixtures", scriptName);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
            throw new TimeoutException($"{script} did not finish in 60 s.");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"node {script} failed ({process.ExitCode}): {error.Result[^Math.Min(error.Result.Length, 1500)..]}");
        return JsonSerializer.Deserialize<T>(output.Result, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }
}
