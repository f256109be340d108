using OnlyPrompt.Experiment.Filtering;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Generation;

namespace OnlyPrompt.Experiment.Running;

/// <summary>Held-out score of a model's answers under the primary scorer, with every answer for head-to-head comparisons.</summary>
public sealed record Evaluation(double MeanQuality, double StandardError, double LeakRate, IReadOnlyDictionary<string, double> QualityByFamily,
    IReadOnlyList<EvaluatedAnswer> Answers);

/// <summary>What an evaluation writes to eval.json: the evaluation with every answer, the calibration probe, and rewards when a reward model scored the answers.</summary>
public sealed record EvaluationReport(Evaluation Evaluation, IReadOnlyList<double> Calibration, IReadOnlyList<float>? Rewards, string PromptPrefix);

/// <summary>One held-out answer: the prompt as in the eval set (without any prefix), the answer, its score under the primary scorer, and its length in words.</summary>
public sealed record EvaluatedAnswer(string Prompt, string Answer, double Quality, int Words);

/// <summary>
/// Greedy answers to held-out prompts (no prefix unless asked), and the requested-score probe's answers; scoring them is
/// separate (<see cref="Scoring"/>), so a reward model can score after the policy is unloaded.
/// </summary>
public sealed class Evaluator(PretrainedModel model, ExperimentOptions options)
{
    private readonly PairFilter leakDetector = new(options.Filter);

    public PairFilter LeakDetector => leakDetector;

    /// <param name="prefix">Put before each instruction inside the user turn (the chosen-prefix-at-inference baseline); empty asks plainly.</param>
    public List<string> Answers(IReadOnlyList<EvalRecord> records, string prefix = "") => Answer(records.Select(r => prefix + r.Prompt).ToList());

    /// <summary>The probe's prompts: the first <c>CalibrationPrompts</c> records asked for score s, for s = 0..10, in that order.</summary>
    public IReadOnlyList<EvalRecord> CalibrationSubset(IReadOnlyList<EvalRecord> records) => records.Take(options.CalibrationPrompts).ToList();

    /// <summary>Answers to each record of the subset asked for score s, s = 0..10 (11 x subset answers, score-major).</summary>
    public List<string> CalibrationAnswers(IReadOnlyList<EvalRecord> subset) =>
        Answer(Enumerable.Range(0, 11).SelectMany(s => subset.Select(r => options.Templates.RejectedInstruction(r.Prompt, s))).ToList());

    /// <summary>Exact quality of the answers (the default world's scorer).</summary>
    public Evaluation Evaluate(IReadOnlyList<EvalRecord> records, string prefix = "")
    {
        var answers = Answers(records, prefix);
        return Scoring.Evaluation(records, answers, Scoring.Exact(records, answers), leakDetector);
    }

    /// <summary>Mean exact quality of answers when each prompt asks for score s, for s = 0..10 (the paper's Figure 3 in miniature).</summary>
    public double[] Calibration(IReadOnlyList<EvalRecord> records)
    {
        var subset = CalibrationSubset(records);
        var answers = CalibrationAnswers(subset);
        return Scoring.CalibrationCurve(subset.Count, Scoring.Exact([.. Enumerable.Range(0, 11).SelectMany(_ => subset)], answers));
    }

    private List<string> Answer(IReadOnlyList<string> instructions)
    {
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = options.EvalMaxNewTokens, StopTokenIds = model.StopTokenIds };
        return model.Answer(instructions, greedy, options.GenerationBatch).Select(g => g.Text.Trim()).ToList();
    }
}
