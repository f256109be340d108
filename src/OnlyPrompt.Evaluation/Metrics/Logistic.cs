namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>Ridge-penalised logistic regression on soft labels in [0, 1], by Newton's method on a few features.</summary>
public static class Logistic
{
    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <param name="features">One row per example, each with the same number of features (an intercept is a column of ones).</param>
    /// <param name="penalties">The ridge weight of each feature's coefficient.</param>
    /// <param name="offsets">A fixed term added to each example's logit (none: zero).</param>
    public static double[] Fit(IReadOnlyList<double[]> features, IReadOnlyList<double> labels, IReadOnlyList<double> penalties,
        IReadOnlyList<double>? offsets = null)
    {
        var k = penalties.Count;
        var w = new double[k];
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var gradient = new double[k];
            var hessian = new double[k, k];
            for (var j = 0; j < k; j++)
            {
                gradient[j] = -penalties[j] * w[j];
                hessian[j, j] = penalties[j];
            }
            for (var i = 0; i < features.Count; i++)
            {
                var x = features[i];
                var z = offsets?[i] ?? 0;
                for (var j = 0; j < k; j++)
                    z += w[j] * x[j];
                var mu = Sigmoid(z);
                var (residual, weight) = (labels[i] - mu, mu * (1 - mu));
                for (var j = 0; j < k; j++)
                {
                    gradient[j] += residual * x[j];
                    for (var l = 0; l < k; l++)
                        hessian[j, l] += weight * x[j] * x[l];
                }
            }
            var step = Solve(hessian, gradient);
            var moved = 0.0;
            for (var j = 0; j < k; j++)
            {
                var clamped = Math.Clamp(step[j], -2, 2); // a damped step: far from the optimum a full one can overshoot
                w[j] += clamped;
                moved += Math.Abs(clamped);
            }
            if (moved < 1e-10)
                break;
        }
        return w;
    }

    // Gaussian elimination with partial pivoting; the penalties keep the matrix positive definite.
    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var (m, x) = ((double[,])a.Clone(), (double[])b.Clone());
        for (var c = 0; c < n; c++)
        {
            var pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(m[r, c]));
            for (var j = 0; j < n; j++)
                (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            (x[c], x[pivot]) = (x[pivot], x[c]);
            for (var r = c + 1; r < n; r++)
            {
                var f = m[r, c] / m[c, c];
                for (var j = c; j < n; j++)
                    m[r, j] -= f * m[c, j];
                x[r] -= f * x[c];
            }
        }
        for (var r = n - 1; r >= 0; r--)
        {
            for (var j = r + 1; j < n; j++)
                x[r] -= m[r, j] * x[j];
            x[r] /= m[r, r];
        }
        return x;
    }
}
