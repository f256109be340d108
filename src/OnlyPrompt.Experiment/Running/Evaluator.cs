using OnlyPrompt.Experiment.Filtering;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Generation;

namespace OnlyPrompt.Experiment.Running;

/// <summary>Held-out quality of a model's answers, scored exactly, with every answer for head-to-head comparisons.</summary>
public sealed record Evaluation(double MeanQuality, double StandardError, double LeakRate, IReadOnlyDictionary<string, double> QualityByFamily,
    IReadOnlyList<EvaluatedAnswer> Answers);

/// <summary>What an evaluation writes to eval.json: the evaluation with every answer, the calibration probe, and rewards when a reward model scored the answers.</summary>
public sealed record EvaluationReport(Evaluation Evaluation, IReadOnlyList<double> Calibration, IReadOnlyList<float>? Rewards, string PromptPrefix);

/// <summary>One held-out answer: the prompt as in the eval set (without any prefix), the answer, its exact quality and length in words.</summary>
public sealed record EvaluatedAnswer(string Prompt, string Answer, double Quality, int Words);

/// <summary>Scores greedy answers to held-out prompts with the world's exact scorer, and probes quality per requested score.</summary>
public sealed class Evaluator(PretrainedModel model, ExperimentOptions options)
{
    private readonly PairFilter leakDetector = new(options.Filter);

    /// <param name="prefix">Put before each instruction inside the user turn (the chosen-prefix-at-inference baseline); empty asks plainly.</param>
    public Evaluation Evaluate(IReadOnlyList<EvalRecord> records, string prefix = "")
    {
        var answers = Answer(records.Select(r => prefix + r.Prompt).ToList());
        var qualities = records.Select((r, i) => ExactScorer.Quality(r.Answer, answers[i])).ToArray();
        var mean = qualities.Average();
        var variance = qualities.Sum(q => (q - mean) * (q - mean)) / Math.Max(1, qualities.Length - 1);
        var byFamily = records.Select((r, i) => (r.Family, Quality: qualities[i])).GroupBy(x => x.Family)
            .ToDictionary(g => g.Key, g => g.Average(x => x.Quality));
        var evaluated = records.Select((r, i) => new EvaluatedAnswer(r.Prompt, answers[i], qualities[i], Words(answers[i]))).ToList();
        return new Evaluation(mean, Math.Sqrt(variance / qualities.Length), answers.Count(leakDetector.Leaks) / (double)answers.Count, byFamily, evaluated);
    }

    /// <summary>Mean quality of answers when each prompt asks for score s, for s = 0..10 (the paper's Figure 3 in miniature).</summary>
    public double[] Calibration(IReadOnlyList<EvalRecord> records)
    {
        var subset = records.Take(options.CalibrationPrompts).ToList();
        var prompts = Enumerable.Range(0, 11).SelectMany(s => subset.Select(r => options.Templates.RejectedInstruction(r.Prompt, s))).ToList();
        var answers = Answer(prompts);
        return Enumerable.Range(0, 11).Select(s => subset.Select((r, i) => ExactScorer.Quality(r.Answer, answers[s * subset.Count + i])).Average()).ToArray();
    }

    private static int Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    private List<string> Answer(IReadOnlyList<string> instructions)
    {
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = options.EvalMaxNewTokens, StopTokenIds = model.StopTokenIds };
        return model.Answer(instructions, greedy, options.GenerationBatch).Select(g => g.Text.Trim()).ToList();
    }
}
