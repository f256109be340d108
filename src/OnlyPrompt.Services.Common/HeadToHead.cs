using OnlyPrompt.Evaluation.Metrics;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services;

/// <summary>
/// Win rates of an evaluated model over a baseline's answers to the same held-out prompts, judged by the evaluation's
/// primary scorer (a higher score wins, equal scores tie), with AlpacaEval's length control over answer lengths in words.
/// </summary>
public sealed class HeadToHead(BlobStore store)
{
    // Each evaluation is compared with the SFT model's and the previous one's, so the same reports come back at every
    // evaluation of a run; their content never changes under a hash.
    private const int CachedReports = 64;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HeldOutResult> bySha256 = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds win_rate/{name}, lc_win_rate/{name} and the LC interval to the record's metrics for each named baseline, and
    /// score_difference/{name} (the mean per-prompt score difference, model minus baseline) with its 95% interval.
    /// </summary>
    public async Task AddAsync(StageRecord record, IReadOnlyList<(string Name, StageRecord Baseline)> baselines, CancellationToken cancellation)
    {
        if (baselines.Count == 0)
            return;
        var model = await ReadAsync(record, cancellation);
        foreach (var (name, baseline) in baselines)
        {
            var other = await ReadAsync(baseline, cancellation);
            var rates = WinRates.Of(Preferences(model, other));
            record.Metrics[$"win_rate/{name}"] = rates.WinRate.Mean;
            record.Metrics[$"lc_win_rate/{name}"] = rates.LengthControlled.Mean;
            record.Metrics[$"lc_win_rate/{name}/low"] = rates.LengthControlled.Low;
            record.Metrics[$"lc_win_rate/{name}/high"] = rates.LengthControlled.High;
            if (Differences(model, other) is { Count: > 0 } differences)
            {
                var difference = MeanInterval.Of(differences);
                record.Metrics[$"score_difference/{name}"] = difference.Mean;
                record.Metrics[$"score_difference/{name}/low"] = difference.Low;
                record.Metrics[$"score_difference/{name}/high"] = difference.High;
            }
        }
    }

    /// <summary>Per prompt both answered: the model's score minus the baseline's.</summary>
    public static List<double> Differences(HeldOutResult model, HeldOutResult baseline) =>
        Paired(model, baseline).Select(p => p.Model.Quality - p.Baseline.Quality).ToList();

    public static IReadOnlyList<Preference> Preferences(HeldOutResult model, HeldOutResult baseline) =>
        Paired(model, baseline).Select(p => new Preference(Preference.FromOutcome(p.Model.Quality.CompareTo(p.Baseline.Quality)), p.Model.Words,
            p.Baseline.Words, p.Model.Prompt))
            .ToList();

    // The two answers to each prompt both evaluations answered, in the model's order.
    private static IEnumerable<(EvaluatedAnswer Model, EvaluatedAnswer Baseline)> Paired(HeldOutResult model,
        HeldOutResult baseline)
    {
        var byPrompt = baseline.Answers.GroupBy(a => a.Prompt).ToDictionary(g => g.Key, g => g.First());
        return model.Answers.Where(a => byPrompt.ContainsKey(a.Prompt)).Select(a => (a, byPrompt[a.Prompt]));
    }

    private async Task<HeldOutResult> ReadAsync(StageRecord record, CancellationToken cancellation)
    {
        var reference = EvaluationReports.Of(record);
        if (bySha256.TryGetValue(reference.Sha256, out var cached))
            return cached;
        var evaluation = (await EvaluationReports.ReadAsync(store, reference, cancellation)).Evaluation;
        if (bySha256.Count >= CachedReports)
            bySha256.Clear();
        bySha256[reference.Sha256] = evaluation;
        return evaluation;
    }
}
