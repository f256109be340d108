namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>
/// The method's premise for one policy: its answers when asked for a 10/10 response must score higher than its plain
/// answers, else the pairs (10/10 answer chosen, lower-score answer rejected) are not ordered by quality.
/// </summary>
public static class PrefixGap
{
    /// <returns>A warning for people when the gap (score with the chosen prefix - score without, per prompt) is not positive; null
    /// otherwise.</returns>
    public static string? Warning(MeanInterval gap) => gap.Mean > 0 ? null
        : $"the method's premise does not hold for this model and data: answers asked for a 10/10 response score {gap.Mean:+0.000;-0.000;0.000} "
          + $"(95% interval {gap.Low:+0.000;-0.000;0.000} to {gap.High:+0.000;-0.000;0.000}) against plain answers, so the chosen answers " +
              "of the next "
          + "round are not better than what the policy already writes; its rounds may make the model worse.";
}
