namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>Win rate and length-controlled win rate of a model over a baseline, in percent.</summary>
public sealed record WinRates(MeanInterval WinRate, MeanInterval LengthControlled, double LengthCoefficient, double MeanModelLength,
    double MeanBaselineLength)
{
    /// <param name="difficulty">Each instruction's difficulty (<see cref="InstructionDifficulty"/>) when several models answered them; none leaves
    /// the term out.</param>
    public static WinRates Of(IReadOnlyList<Preference> preferences, int bootstrapSamples = 200, int seed = 0,
        IReadOnlyDictionary<string, double>? difficulty = null)
    {
        if (preferences.Count == 0)
            throw new ArgumentException("needs at least one preference.", nameof(preferences));
        var fit = LengthControlledWinRate.Fit(preferences, difficulty);
        var random = new Random(seed);
        var resampled = new List<double>(bootstrapSamples);
        for (var b = 0; b < bootstrapSamples; b++)
        {
            var resample = Enumerable.Range(0, preferences.Count).Select(_ => preferences[random.Next(preferences.Count)]).ToList();
            resampled.Add(LengthControlledWinRate.Fit(resample, difficulty).Percent);
        }
        resampled.Sort();
        var lengthControlled = bootstrapSamples < 2
            ? new MeanInterval(fit.Percent, double.NegativeInfinity, double.PositiveInfinity, preferences.Count)
            : new MeanInterval(fit.Percent, resampled[(int)(0.025 * (bootstrapSamples - 1))],
                resampled[(int)Math.Ceiling(0.975 * (bootstrapSamples - 1))], preferences.Count);
        return new WinRates(MeanInterval.Of(preferences.Select(p => p.ModelWins).ToList()).Scale(100), lengthControlled, fit.Phi,
            preferences.Average(p => p.ModelLength), preferences.Average(p => p.BaselineLength));
    }
}
