using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Model;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Answering;

/// <summary>How held-out prompts are answered: greedy, up to <paramref name="MaxNewTokens"/>, <paramref name="BatchSize"/> at a time;
/// the probe asks the first <paramref name="CalibrationPrompts"/> for each score with the rejected template; leaks count by the filter's
/// rules.</summary>
public sealed record HeldOutSettings(int MaxNewTokens, int CalibrationPrompts, int BatchSize, FilterOptions Filter, PromptTemplates Templates);

/// <summary>
/// Greedy answers to held-out prompts (no prefix unless asked), and the requested-score probe's answers; scoring them is
/// separate (<see cref="Scoring"/>), so a reward model can score after the policy is unloaded.
/// </summary>
public sealed class HeldOutAnswerer(PretrainedModel model, HeldOutSettings settings)
{
    private readonly PairFilter leakDetector = new(settings.Filter);

    public PairFilter LeakDetector => leakDetector;

    /// <param name="prefix">Put before each instruction inside the user turn (the chosen-prefix-at-inference baseline); empty asks plainly.</param>
    public List<string> Answers(IReadOnlyList<EvalRecord> records, string prefix = "") => Answer(records.Select(r => prefix + r.Prompt).ToList());

    /// <summary>The probe's prompts: the first <c>CalibrationPrompts</c> records asked for score s, for s = 0..10, in that order.</summary>
    public IReadOnlyList<EvalRecord> CalibrationSubset(IReadOnlyList<EvalRecord> records) => records.Take(settings.CalibrationPrompts).ToList();

    /// <summary>Answers to each record of the subset asked for score s, s = 0..10 (11 x subset answers, score-major).</summary>
    public List<string> CalibrationAnswers(IReadOnlyList<EvalRecord> subset) =>
        Answer(Enumerable.Range(0, 11).SelectMany(s => subset.Select(r => settings.Templates.RejectedInstruction(r.Prompt, s))).ToList());

    /// <summary>Exact quality of the answers (the default world's scorer).</summary>
    public HeldOutResult Evaluate(IReadOnlyList<EvalRecord> records, string prefix = "")
    {
        var answers = Answers(records, prefix);
        return Scoring.Result(records, answers, Scoring.Exact(records, answers), leakDetector);
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
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = settings.MaxNewTokens, StopTokenIds = model.StopTokenIds };
        return model.Answer(ChatPrompt.Of(instructions), greedy, settings.BatchSize).Select(g => g.Text.Trim()).ToList();
    }
}
