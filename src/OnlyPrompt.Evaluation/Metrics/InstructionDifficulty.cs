namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>
/// AlpacaEval 2's instruction difficulty, estimated from several models compared with one baseline on the same
/// instructions: the joint fit <c>P(model m wins on x) = sigma(theta_m + phi_m * tanh(delta / sd) + gamma_x)</c>, one
/// bias and length weight per model and one term gamma_x per instruction (ridge-penalised, so the shared shift between
/// the biases and the gammas is pinned). <see cref="LengthControlledWinRate"/> then fits each model with gamma_x as a
/// feature. AlpacaEval estimated it once over its leaderboard's models; here it is estimated over the models a
/// comparison holds, so it needs at least two of them.
/// </summary>
public static class InstructionDifficulty
{
    private const double GammaPenalty = 1.0;
    private const double ThetaPenalty = 1e-3;
    private const double PhiPenalty = 1.0;

    /// <param name="models">Each model's preferences over the common baseline, named by instruction.</param>
    public static IReadOnlyDictionary<string, double> Estimate(IReadOnlyList<IReadOnlyList<Preference>> models)
    {
        if (models.Count < 2)
            throw new ArgumentException(
                $"instruction difficulty needs at least two models that answered the same instructions; got {models.Count}.", nameof(models));
        var gamma = models.SelectMany(m => m.Select(p => p.Instruction)).Distinct().ToDictionary(x => x, _ => 0.0, StringComparer.Ordinal);
        var lengthTerms = models.Select(LengthControlledWinRate.LengthFeature).ToArray();
        var logits = new double[models.Count][];
        for (var sweep = 0; sweep < 200; sweep++)
        {
            // Each model's bias and length weight, with the instructions' terms held fixed.
            for (var m = 0; m < models.Count; m++)
            {
                var preferences = models[m];
                var offsets = preferences.Select(p => gamma[p.Instruction]).ToArray();
                var w = Logistic.Fit([.. lengthTerms[m].Select(t => new[] { 1, t })], [.. preferences.Select(p => p.ModelWins)],
                    [ThetaPenalty, PhiPenalty], offsets);
                logits[m] = [.. lengthTerms[m].Select(t => w[0] + w[1] * t)];
            }
            // Each instruction's term, with the models held fixed: one Newton step per sweep.
            var gradient = gamma.Keys.ToDictionary(x => x, x => -GammaPenalty * gamma[x], StringComparer.Ordinal);
            var curvature = gamma.Keys.ToDictionary(x => x, _ => GammaPenalty, StringComparer.Ordinal);
            for (var m = 0; m < models.Count; m++)
                for (var i = 0; i < models[m].Count; i++)
                {
                    var x = models[m][i].Instruction;
                    var mu = Logistic.Sigmoid(logits[m][i] + gamma[x]);
                    gradient[x] += models[m][i].ModelWins - mu;
                    curvature[x] += mu * (1 - mu);
                }
            var moved = 0.0;
            foreach (var x in gamma.Keys.ToList())
            {
                var step = Math.Clamp(gradient[x] / curvature[x], -2, 2);
                gamma[x] += step;
                moved = Math.Max(moved, Math.Abs(step));
            }
            if (moved < 1e-8)
                break;
        }
        return gamma;
    }
}
