using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;

namespace OnlyPrompt.Method.Scores;

/// <summary>Turns answers and their scores (exact quality, rewards) into an evaluation and a calibration curve.</summary>
public static class Scoring
{
    /// <summary>Exact quality against each record's reference answer; a record without one is refused by its row.</summary>
    public static double[] Exact(IReadOnlyList<EvalRecord> records, IReadOnlyList<string> answers) => records.Select((r, i) =>
        ExactScorer.Quality(r.Answer ?? throw new InvalidDataException(
            $"eval_set row {i + 1} has no answer: the exact scorer needs reference answers (score with a reward model or judge instead)."),
                answers[i])).ToArray();

    public static HeldOutResult Result(IReadOnlyList<EvalRecord> records, IReadOnlyList<string> answers, IReadOnlyList<double> scores,
        PairFilter leakDetector)
    {
        var mean = scores.Average();
        var variance = scores.Sum(q => (q - mean) * (q - mean)) / Math.Max(1, scores.Count - 1);
        var byFamily = records.Select((r, i) => (r.Group, Score: scores[i])).GroupBy(x => x.Group).ToDictionary(g => g.Key, g =>
            g.Average(x => x.Score));
        var evaluated = records.Select((r, i) => new EvaluatedAnswer(r.Prompt, answers[i], scores[i], Words(answers[i]))).ToList();
        return new HeldOutResult(mean, Math.Sqrt(variance / scores.Count),
            answers.Count(leakDetector.Leaks) / (double)answers.Count, byFamily, evaluated);
    }

    /// <summary>The mean score at each requested score 0..10, from scores in the probe's score-major order.</summary>
    public static double[] CalibrationCurve(int subsetCount, IReadOnlyList<double> scores) =>
        Enumerable.Range(0, 11).Select(s => Enumerable.Range(0, subsetCount).Average(i => scores[s * subsetCount + i])).ToArray();

    /// <summary>An answer's length in words, as the length-controlled win rate counts them.</summary>
    public static int Words(string text) => ExactScorer.Words(text).Length;
}
