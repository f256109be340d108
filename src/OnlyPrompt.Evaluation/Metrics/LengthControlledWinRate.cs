namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>
/// AlpacaEval's length-controlled win rate without a per-instruction difficulty term: fits
/// <c>P(win) = sigma(theta + phi * tanh(delta / sd))</c>, delta the model's length minus the baseline's and sd
/// its standard deviation, to the (soft) preferences by penalised maximum likelihood, and reports
/// <c>100 * sigma(theta)</c>, the predicted win rate had both answers been equally long.
/// </summary>
public static class LengthControlledWinRate
{
    public sealed record Result(double Theta, double Phi)
    {
        public double Percent => 100 / (1 + Math.Exp(-Theta));
    }

    // A small ridge on both terms keeps the fit finite when one term separates the data (all wins, or
    // winning exactly when longer); it moves a real effect by a negligible amount.
    private const double ThetaPenalty = 1e-3;
    private const double PhiPenalty = 1.0;

    public static Result Fit(IReadOnlyList<Preference> preferences)
    {
        var deltas = preferences.Select(p => (double)(p.ModelLength - p.BaselineLength)).ToArray();
        var mean = deltas.Average();
        var sd = Math.Sqrt(deltas.Sum(d => (d - mean) * (d - mean)) / deltas.Length);
        var x = deltas.Select(d => sd > 0 ? Math.Tanh(d / sd) : 0).ToArray();
        double theta = 0, phi = 0;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double gTheta = -ThetaPenalty * theta, gPhi = -PhiPenalty * phi, hTT = ThetaPenalty, hTP = 0, hPP = PhiPenalty;
            for (var i = 0; i < x.Length; i++)
            {
                var mu = 1 / (1 + Math.Exp(-(theta + phi * x[i])));
                var residual = preferences[i].ModelWins - mu;
                var weight = mu * (1 - mu);
                gTheta += residual;
                gPhi += residual * x[i];
                hTT += weight;
                hTP += weight * x[i];
                hPP += weight * x[i] * x[i];
            }
            var determinant = hTT * hPP - hTP * hTP;
            var dTheta = Math.Clamp((hPP * gTheta - hTP * gPhi) / determinant, -2, 2);
            var dPhi = Math.Clamp((hTT * gPhi - hTP * gTheta) / determinant, -2, 2);
            theta += dTheta;
            phi += dPhi;
            if (Math.Abs(dTheta) + Math.Abs(dPhi) < 1e-10)
                break;
        }
        return new Result(theta, phi);
    }
}
