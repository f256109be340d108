using OnlyPrompt.Experiment.Filtering;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Generation;

namespace OnlyPrompt.Experiment.Running;

/// <summary>Held-out quality of a model's answers, asked plainly (no prefix), scored exactly.</summary>
public sealed record Evaluation(double MeanQuality, double StandardError, double LeakRate, IReadOnlyDictionary<string, double> QualityByFamily);

/// <summary>Scores greedy answers to held-out prompts with the world's exact scorer, and probes quality per requested score.</summary>
public sealed class Evaluator(PretrainedModel model, ExperimentOptions options)
{
    private readonly PairFilter leakDetector = new(options.Filter);

    public Evaluation Evaluate(IReadOnlyList<EvalRecord> records)
    {
        var answers = Answer(records.Select(r => r.Prompt).ToList());
        var qualities = records.Select((r, i) => ExactScorer.Quality(r.Answer, answers[i])).ToArray();
        var mean = qualities.Average();
        var variance = qualities.Sum(q => (q - mean) * (q - mean)) / Math.Max(1, qualities.Length - 1);
        var byFamily = records.Select((r, i) => (r.Family, Quality: qualities[i])).GroupBy(x => x.Family)
            .ToDictionary(g => g.Key, g => g.Average(x => x.Quality));
        return new Evaluation(mean, Math.Sqrt(variance / qualities.Length), answers.Count(leakDetector.Leaks) / (double)answers.Count, byFamily);
    }

    /// <summary>Mean quality of answers when each prompt asks for score s, for s = 0..10 (the paper's Figure 3 in miniature).</summary>
    public double[] Calibration(IReadOnlyList<EvalRecord> records)
    {
        var subset = records.Take(options.CalibrationPrompts).ToList();
        var prompts = Enumerable.Range(0, 11).SelectMany(s => subset.Select(r => options.Templates.RejectedInstruction(r.Prompt, s))).ToList();
        var answers = Answer(prompts);
        return Enumerable.Range(0, 11).Select(s => subset.Select((r, i) => ExactScorer.Quality(r.Answer, answers[s * subset.Count + i])).Average()).ToArray();
    }

    private List<string> Answer(IReadOnlyList<string> instructions)
    {
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = options.EvalMaxNewTokens, StopTokenIds = model.StopTokenIds };
        return model.Answer(instructions, greedy, options.GenerationBatch).Select(g => g.Text.Trim()).ToList();
    }
}
