using OnlyPrompt.Services;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Datasets;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Cli;

/// <summary>
/// A user's local files and model folders on their way to a run: each dataset is read and checked into its canonical
/// JSON Lines first (a bad row stops everything before anything is uploaded); then files and folders go to blob storage
/// by content hash, skipped when already there.
/// </summary>
public sealed class LocalInputs(BlobStore store, string container, TextWriter log) : IDisposable
{
    public const string UploadsPrefix = "uploads";

    private readonly string work = Directory.CreateTempSubdirectory("onlyprompt-import-").FullName;
    private int imported;

    /// <summary>
    /// Reads and checks <paramref name="path"/> as a dataset of <paramref name="kind"/>; returns its canonical file, not yet uploaded.
    /// </summary>
    public string Import(string label, DatasetKind kind, string path, ColumnMap columns, Scorer scorer, JudgeSettings? judge)
    {
        // Uploads are named by content hash and file name, so each import keeps the plain name of its kind.
        var output = Path.Combine(Directory.CreateDirectory(Path.Combine(work, $"{imported++}")).FullName,
            $"{kind.ToString().ToLowerInvariant()}.jsonl");
        try
        {
            var report = DatasetImport.Import(path, kind, output, columns);
            log.WriteLine($"{label}: {report}");
            if (kind == DatasetKind.Eval && scorer is Scorer.Exact or Scorer.Unspecified && FirstWithout(output, e => e.Answer) is { } row)
                throw new UsageException($"{label}: {report.File}, row {row} has no reference answer, which the exact scorer needs; "
                    + "give a reward model or a judge to score with.");
            if (kind == DatasetKind.Eval && scorer == Scorer.Judge && judge?.Mode != JudgeMode.Rating
                && FirstWithout(output, e => e.Reference) is { } unreferenced)
                throw new UsageException($"{label}: {report.File}, row {unreferenced} has no reference output (AlpacaEval's 'output'), which " +
                    "a pairwise "
                    + "judge compares against; use the judge's rating mode or another evaluation set.");
        }
        catch (DatasetException e)
        {
            throw new UsageException($"{label}: {e.Message}");
        }
        return output;
    }

    public async Task<BlobRef> UploadAsync(string label, string canonicalFile, CancellationToken cancellation)
    {
        var (reference, uploaded) = await store.UploadByContentAsync(container, $"{UploadsPrefix}/datasets", canonicalFile, cancellation);
        log.WriteLine($"{label}: {(uploaded ? "uploaded to" : "already in storage as")} {reference}");
        return reference.ToContract();
    }

    public async Task<CheckpointRef> UploadModelAsync(string label, string directory, CancellationToken cancellation)
    {
        log.WriteLine($"{label}: hashing and uploading {directory} ...");
        var (reference, uploaded) = await store.UploadDirectoryByContentAsync(container, $"{UploadsPrefix}/models", directory, cancellation);
        log.WriteLine($"{label}: {(uploaded ? "uploaded to" : "already in storage as")} {reference}");
        return reference.ToContract();
    }

    /// <summary>Refuses a folder that is not a loadable Hugging Face model, naming what is missing.</summary>
    public static void RequireModelFiles(string directory, string label)
    {
        if (!Directory.Exists(directory))
            throw new UsageException($"{label}: '{directory}' is not a folder.");
        foreach (var file in new[] { "config.json", "tokenizer.json" })
            if (!File.Exists(Path.Combine(directory, file)))
                throw new UsageException($"{label}: {directory} has no {file}; a Hugging Face model folder has config.json, tokenizer.json and " +
                    "*.safetensors.");
        if (!Directory.EnumerateFiles(directory, "*.safetensors").Any())
            throw new UsageException($"{label}: {directory} has no *.safetensors weights (pickle weights are not loaded; convert them with " +
                "safetensors).");
    }

    private static long? FirstWithout(string canonicalEval, Func<EvalExample, string?> field) => File.ReadLines(canonicalEval)
        .Select((line, i) => (Row: i + 1L, Example: System.Text.Json.JsonSerializer.Deserialize<EvalExample>(line, DatasetImport.Canonical)!))
        .FirstOrDefault(e => field(e.Example) is null).Row is var row and > 0 ? row : null;

    public void Dispose() => Directory.Delete(work, recursive: true);
}
