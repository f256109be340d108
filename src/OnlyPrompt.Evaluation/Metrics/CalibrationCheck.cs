namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>
/// Whether a model follows requested scores: the quality of its answers when asked for score s = 0..10 should rise
/// with s. The method's rejected answers are only worse than the chosen ones if it does.
/// </summary>
public static class CalibrationCheck
{
    public const double MinimumRankCorrelation = 0.5;

    /// <returns>A warning for people, or null when quality rises with the requested score.</returns>
    public static string? Warning(IReadOnlyList<double> qualityByScore)
    {
        if (qualityByScore.Count < 2)
            return null;
        var rho = SpearmanWithIndex(qualityByScore);
        var (low, high) = (qualityByScore[0], qualityByScore[^1]);
        var reasons = new List<string>();
        if (rho < MinimumRankCorrelation)
            reasons.Add($"the rank correlation of quality with the requested score is {rho:F2}, below {MinimumRankCorrelation}");
        if (high <= low)
            reasons.Add($"quality at score {qualityByScore.Count - 1} ({high:F3}) is not above quality at score 0 ({low:F3})");
        return reasons.Count == 0 ? null
            : $"the model does not follow requested scores: {string.Join("; and ", reasons)}; rejected answers asked for a lower score may be no " +
                "worse than chosen ones.";
    }

    /// <summary>Spearman's rank correlation between the values and their positions 0..n-1 (ties get their mean rank).</summary>
    public static double SpearmanWithIndex(IReadOnlyList<double> values)
    {
        var n = values.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var ranks = new double[n];
        for (var start = 0; start < n;)
        {
            var end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]])
                end++;
            for (var k = start; k <= end; k++)
                ranks[order[k]] = (start + end) / 2.0;
            start = end + 1;
        }
        var meanRank = (n - 1) / 2.0;
        double covariance = 0, rankVariance = 0, indexVariance = 0;
        for (var i = 0; i < n; i++)
        {
            covariance += (ranks[i] - meanRank) * (i - meanRank);
            rankVariance += (ranks[i] - meanRank) * (ranks[i] - meanRank);
            indexVariance += (i - meanRank) * (i - meanRank);
        }
        return rankVariance == 0 ? 0 : covariance / Math.Sqrt(rankVariance * indexVariance);
    }
}
