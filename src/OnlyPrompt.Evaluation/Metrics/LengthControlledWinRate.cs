namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>
/// AlpacaEval 2's length-controlled win rate: fits <c>P(win | x) = sigma(theta + phi * tanh(delta / sd) + psi * gamma_x)</c>
/// to the (soft) preferences by penalised maximum likelihood, delta the model's length minus the baseline's, sd its
/// standard deviation and gamma_x the instruction's difficulty (<see cref="InstructionDifficulty"/>, when several models
/// answered the same instructions; without it the term is left out), and reports the mean over the instructions of
/// <c>100 * sigma(theta + psi * gamma_x)</c>: the predicted win rate had both answers been equally long.
/// </summary>
public static class LengthControlledWinRate
{
    public sealed record Result(double Theta, double Phi, double Psi, double Percent);

    // A small ridge on each term keeps the fit finite when one term separates the data (all wins, or winning exactly
    // when longer); it moves a real effect by a negligible amount.
    private const double ThetaPenalty = 1e-3;
    private const double PhiPenalty = 1.0;
    private const double PsiPenalty = 1e-3;

    public static Result Fit(IReadOnlyList<Preference> preferences, IReadOnlyDictionary<string, double>? difficulty = null)
    {
        var lengthTerm = LengthFeature(preferences);
        var gamma = preferences.Select(p => difficulty?.GetValueOrDefault(p.Instruction) ?? 0).ToArray();
        double[][] features = difficulty is null
            ? [.. preferences.Select((_, i) => new[] { 1, lengthTerm[i] })]
            : [.. preferences.Select((_, i) => new[] { 1, lengthTerm[i], gamma[i] })];
        double[] penalties = difficulty is null ? [ThetaPenalty, PhiPenalty] : [ThetaPenalty, PhiPenalty, PsiPenalty];
        var weights = Logistic.Fit(features, [.. preferences.Select(p => p.ModelWins)], penalties);
        var (theta, phi, psi) = (weights[0], weights[1], difficulty is null ? 0 : weights[2]);
        return new Result(theta, phi, psi, 100 * gamma.Average(g => Logistic.Sigmoid(theta + psi * g)));
    }

    /// <summary>tanh(delta / sd) per preference, 0 when every length gap is the same.</summary>
    public static double[] LengthFeature(IReadOnlyList<Preference> preferences)
    {
        var deltas = preferences.Select(p => (double)(p.ModelLength - p.BaselineLength)).ToArray();
        var mean = deltas.Average();
        var sd = Math.Sqrt(deltas.Sum(d => (d - mean) * (d - mean)) / deltas.Length);
        return [.. deltas.Select(d => sd > 0 ? Math.Tanh(d / sd) : 0)];
    }
}
