using System.Security.Cryptography;
using System.Text;
using OnlyPrompt.Evaluation.Judging;
using OnlyPrompt.Evaluation.Metrics;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Evaluator;

/// <summary>
/// Grades evaluated answers with an LLM judge behind an OpenAI-compatible endpoint, through a cache in the work
/// directory (one file per judge), so an evaluation that is run again asks the judge nothing new.
/// </summary>
public sealed class LlmJudging(WorkDirectory work, BlobStore store, IHttpClientFactory http)
{
    /// <summary>
    /// The checks only the Evaluator can make (its environment; the request's baseline) on top of <see cref="FieldErrors.Judge"/>.
    /// A pairwise judge beside the primary scorer compares with a baseline's answers; as the primary scorer, with the eval set's references.
    /// </summary>
    public static FieldErrors Validate(FieldErrors errors, JudgeSettings judge, Common.V1.BlobRef? baselineReport, bool primary, string field) =>
        errors.Judge(judge, field)
            .Check(judge.ApiKeyVariable.Length == 0 || Environment.GetEnvironmentVariable(judge.ApiKeyVariable) is { Length: > 0 },
                field + ".api_key_variable",
                $"the Evaluator has no environment variable {judge.ApiKeyVariable}.")
            .Check(primary || judge.Mode is JudgeMode.Rating or JudgeMode.Unspecified || baselineReport is not null, "baseline_report",
                "is required for a pairwise judge beside the primary scorer.");

    /// <summary>
    /// The judge as the primary scorer, over one client for every set of answers: each answer's rating, or its
    /// preference over the record's reference output; null where the judge gave no readable verdict.
    /// </summary>
    public async Task<double?[][]> ScoreAsync(JudgeSettings settings,
        IReadOnlyList<(IReadOnlyList<EvalRecord> Records, IReadOnlyList<string> Answers)> sets,
        CancellationToken cancellation)
    {
        var (judge, maxTokens) = Connect(settings);
        var rater = new RatingJudge(judge, maxTokens);
        var pairwise = new PairwiseJudge(judge, settings.Mode == JudgeMode.PairwiseLogprobs ? PairwiseMode.LogProbs
            : PairwiseMode.Verdict, maxTokens);
        async Task<double?> Score(EvalRecord record, string answer) => settings.Mode == JudgeMode.Rating
            ? (await rater.RateAsync(record.Prompt, answer, cancellation)).Value
            : (await pairwise.CompareAsync(record.Prompt, answer, record.Reference!, cancellation)).ModelWins;
        return await Task.WhenAll(sets.Select(set => Task.WhenAll(set.Answers.Select((answer, i) => Score(set.Records[i], answer)))));
    }

    public async Task ApplyAsync(JudgeSettings settings, Common.V1.BlobRef? baselineReport, HeldOutResult evaluation, EvaluateResponse response,
        CancellationToken cancellation)
    {
        var (judge, maxTokens) = Connect(settings);

        if (settings.Mode == JudgeMode.Rating)
        {
            var rater = new RatingJudge(judge, maxTokens);
            var ratings = await Task.WhenAll(evaluation.Answers.Select(a => rater.RateAsync(a.Prompt, a.Answer, cancellation)));
            var readable = ratings.Where(r => r.Parsed).Select(r => r.Value!.Value).ToList();
            response.JudgeUnreadable = ratings.Length - readable.Count;
            if (readable.Count > 0)
                response.JudgeRating = ToInterval(MeanInterval.Of(readable));
            return;
        }

        var baseline = (await EvaluationReports.ReadAsync(store, baselineReport!, cancellation))
            .Evaluation.Answers.GroupBy(a => a.Prompt).ToDictionary(g => g.Key, g => g.First());
        var pairwise = new PairwiseJudge(judge, settings.Mode == JudgeMode.PairwiseLogprobs ? PairwiseMode.LogProbs
            : PairwiseMode.Verdict, maxTokens);
        var compared = evaluation.Answers.Where(a => baseline.ContainsKey(a.Prompt)).ToList();
        var judgments = await Task.WhenAll(compared.Select(a => pairwise.CompareAsync(a.Prompt, a.Answer, baseline[a.Prompt].Answer, cancellation)));
        var preferences = judgments.Select((j, i) => (j, i)).Where(x => x.j.ModelWins is not null)
            .Select(x => new Preference(x.j.ModelWins!.Value, compared[x.i].Words, baseline[compared[x.i].Prompt].Words,
                compared[x.i].Prompt)).ToList();
        response.JudgeUnreadable = judgments.Length - preferences.Count;
        if (preferences.Count == 0)
            return;
        var rates = WinRates.Of(preferences);
        response.JudgeWinRate = rates.WinRate.Mean;
        response.JudgeLcWinRate = ToInterval(rates.LengthControlled);
    }

    // One cached client per judge (base URL and model), so an evaluation run again asks the judge nothing new.
    private (IChatCompletions Judge, int MaxTokens) Connect(JudgeSettings settings)
    {
        var key = settings.ApiKeyVariable.Length > 0 ? Environment.GetEnvironmentVariable(settings.ApiKeyVariable) : null;
        var client = new OpenAiChatClient(http.CreateOpenAiClient(), new OpenAiEndpoint(new Uri(settings.BaseUrl), settings.Model, key),
            settings.Concurrency > 0 ? settings.Concurrency : 4);
        var cacheName = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{settings.BaseUrl}\n{settings.Model}")))[..16];
        var maxTokens = settings.MaxTokens > 0 ? settings.MaxTokens : 512;
        return (new CachedChatCompletions(client, Path.Combine(work.Root, "judge-cache", cacheName + ".jsonl")), maxTokens);
    }

    public static Interval ToInterval(MeanInterval interval) => new() { Mean = interval.Mean, Low = interval.Low, High = interval.High };
}
