using System.Text.Json;
using OnlyPrompt.Evaluation.Metrics;
using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services;

/// <summary>
/// Win rates of an evaluated model over a baseline's answers to the same held-out prompts, judged by the exact
/// scorer (a higher quality wins, equal qualities tie), with AlpacaEval's length control over answer lengths in words.
/// </summary>
public sealed class HeadToHead(BlobStore store)
{
    // Each evaluation is compared with the SFT model's and the previous one's, so the same reports come back at every
    // evaluation of a run; their content never changes under a hash.
    private const int CachedReports = 64;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Experiment.Running.Evaluation> bySha256 = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds win_rate/{name}, lc_win_rate/{name} and the LC interval to the record's metrics for each named baseline,
    /// reading the record's own answers once and each distinct baseline once.
    /// </summary>
    public async Task AddAsync(StageRecord record, IReadOnlyList<(string Name, StageRecord Baseline)> baselines, CancellationToken cancellation)
    {
        if (baselines.Count == 0)
            return;
        var model = await ReadAsync(record, cancellation);
        var read = new Dictionary<string, Experiment.Running.Evaluation>();
        foreach (var (name, baseline) in baselines)
        {
            if (!read.TryGetValue(baseline.Name, out var reference))
                read[baseline.Name] = reference = await ReadAsync(baseline, cancellation);
            var rates = WinRates.Of(Preferences(model, reference));
            record.Metrics[$"win_rate/{name}"] = rates.WinRate.Mean;
            record.Metrics[$"lc_win_rate/{name}"] = rates.LengthControlled.Mean;
            record.Metrics[$"lc_win_rate/{name}/low"] = rates.LengthControlled.Low;
            record.Metrics[$"lc_win_rate/{name}/high"] = rates.LengthControlled.High;
        }
    }

    public static IReadOnlyList<Preference> Preferences(Experiment.Running.Evaluation model, Experiment.Running.Evaluation baseline)
    {
        var byPrompt = baseline.Answers.GroupBy(a => a.Prompt).ToDictionary(g => g.Key, g => g.First());
        return model.Answers.Where(a => byPrompt.ContainsKey(a.Prompt)).Select(a =>
        {
            var other = byPrompt[a.Prompt];
            return new Preference(Preference.FromOutcome(a.Quality.CompareTo(other.Quality)), a.Words, other.Words);
        }).ToList();
    }

    private async Task<Experiment.Running.Evaluation> ReadAsync(StageRecord record, CancellationToken cancellation)
    {
        var sha256 = record.Files.GetValueOrDefault("report")?.Sha256;
        if (sha256 is not null && bySha256.TryGetValue(sha256, out var cached))
            return cached;
        var evaluation = (await ReadReportAsync(store, record, cancellation)).Evaluation;
        if (bySha256.Count >= CachedReports)
            bySha256.Clear();
        bySha256[sha256!] = evaluation;
        return evaluation;
    }

    /// <summary>The eval.json an evaluate stage wrote (its "report" file), hash-checked.</summary>
    public static Task<EvaluationReport> ReadReportAsync(BlobStore store, StageRecord record, CancellationToken cancellation) =>
        ReadReportAsync(store, record.Files.GetValueOrDefault("report") ?? throw new InvalidDataException($"{record.Name} has no evaluation report."), cancellation);

    public static async Task<EvaluationReport> ReadReportAsync(BlobStore store, Common.V1.BlobRef reference, CancellationToken cancellation)
    {
        await using var stream = await store.OpenVerifiedReadAsync(reference, cancellation);
        return await JsonSerializer.DeserializeAsync<EvaluationReport>(stream, JsonLines.Options, cancellation)
            ?? throw new InvalidDataException($"{reference.Container}/{reference.Name}: empty evaluation report.");
    }
}
