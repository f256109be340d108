namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>A sample mean with its two-sided 95% Student-t confidence interval.</summary>
public sealed record MeanInterval(double Mean, double Low, double High, int Count)
{
    public double HalfWidth => (High - Low) / 2;

    public static MeanInterval Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("needs at least one value.", nameof(values));
        var mean = values.Average();
        if (values.Count == 1)
            return new MeanInterval(mean, double.NegativeInfinity, double.PositiveInfinity, 1);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        var half = StudentT975(values.Count - 1) * Math.Sqrt(variance / values.Count);
        return new MeanInterval(mean, mean - half, mean + half, values.Count);
    }

    public MeanInterval Scale(double factor) => new(Mean * factor, Low * factor, High * factor, Count);

    public override string ToString() => double.IsInfinity(HalfWidth) ? $"{Mean:F3}" : $"{Mean:F3} ± {HalfWidth:F3}";

    private static readonly double[] SmallDegrees =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>The 97.5% quantile of Student's t: a table up to 30 degrees of freedom, the Cornish-Fisher expansion beyond.</summary>
    public static double StudentT975(int degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degrees, 1);
        if (degrees <= SmallDegrees.Length)
            return SmallDegrees[degrees - 1];
        const double z = 1.959964;
        double n = degrees, z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n);
    }
}
