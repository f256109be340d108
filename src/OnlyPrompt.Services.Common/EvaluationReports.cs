using System.Text.Json;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services;

/// <summary>
/// Reads the eval.json an evaluate stage wrote: the head-to-head comparisons, the judge's baseline, the report and the CLI's tables use it.
/// </summary>
public static class EvaluationReports
{
    /// <summary>The eval.json an evaluate stage wrote (its "report" file), hash-checked.</summary>
    public static Task<EvaluationReport> ReadAsync(BlobStore store, StageRecord record, CancellationToken cancellation) =>
        ReadAsync(store, Of(record), cancellation);

    /// <summary>An evaluate stage's report file; refused, naming the stage, when it has none.</summary>
    public static Common.V1.BlobRef Of(StageRecord record) =>
        record.Files.GetValueOrDefault(StageFiles.Report) ?? throw new InvalidDataException($"{record.Name} has no evaluation report.");

    public static async Task<EvaluationReport> ReadAsync(BlobStore store, Common.V1.BlobRef reference, CancellationToken cancellation)
    {
        await using var stream = await store.OpenVerifiedReadAsync(reference.ToStored(), cancellation);
        return await JsonSerializer.DeserializeAsync<EvaluationReport>(stream, JsonLines.Options, cancellation)
            ?? throw new InvalidDataException($"{reference.Describe()}: empty evaluation report.");
    }
}
