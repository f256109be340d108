namespace OnlyPrompt.Method.Scores;

/// <summary>Held-out score of a model's answers under the primary scorer, with every answer for head-to-head comparisons.</summary>
public sealed record HeldOutResult(double MeanQuality, double StandardError, double LeakRate, IReadOnlyDictionary<string, double> QualityByFamily,
    IReadOnlyList<EvaluatedAnswer> Answers);

/// <summary>
/// What an evaluation writes to eval.json: the evaluation with every answer, the calibration probe, and rewards when a reward model scored
/// the answers.
/// </summary>
public sealed record EvaluationReport(HeldOutResult Evaluation, IReadOnlyList<double> Calibration,
    IReadOnlyList<float>? Rewards, string PromptPrefix);

/// <summary>
/// One held-out answer: the prompt as in the eval set (without any prefix), the answer, its score under the primary scorer, and its length
/// in words.
/// </summary>
public sealed record EvaluatedAnswer(string Prompt, string Answer, double Quality, int Words);
