using OnlyPrompt.Evaluation.Metrics;

namespace OnlyPrompt.Evaluation.Tests;

public class InstructionDifficultyTests
{
    // Six models of different strength over one baseline on 300 instructions of varying difficulty; lengths are noise.
    private static (List<IReadOnlyList<Preference>> Models, double[] TrueGamma, double[] Theta) Simulated(int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var gamma = Enumerable.Range(0, 300).Select(_ => 1.5 * Normal()).ToArray();
        double[] theta = [-1.0, -0.5, 0.0, 0.3, 0.8, 1.5];
        Preference Answer(double t, double g, int x) =>
            new(random.NextDouble() < Logistic.Sigmoid(t + g) ? 1 : 0, random.Next(5, 60), random.Next(5, 60), $"instruction {x}");
        var models = theta.Select(t => (IReadOnlyList<Preference>)[.. gamma.Select((g, x) => Answer(t, g, x))]).ToList();
        return (models, gamma, theta);
    }

    [Fact]
    public void TheJointFitRecoversEachInstructionsDifficulty()
    {
        var (models, trueGamma, _) = Simulated(seed: 4);
        var estimated = InstructionDifficulty.Estimate(models);
        var gamma = trueGamma.Select((_, x) => estimated[$"instruction {x}"]).ToArray();
        Assert.True(Pearson(gamma, trueGamma) > 0.75, $"correlation {Pearson(gamma, trueGamma):F3}");
    }

    [Fact]
    public void WithTheDifficultyTermTheLengthControlledWinRateIsTheModelsMeanWinProbability()
    {
        var (models, trueGamma, theta) = Simulated(seed: 5);
        var difficulty = InstructionDifficulty.Estimate(models);
        for (var m = 0; m < models.Count; m++)
        {
            var truth = 100 * trueGamma.Average(g => Logistic.Sigmoid(theta[m] + g));
            var rates = WinRates.Of(models[m], bootstrapSamples: 0, difficulty: difficulty);
            Assert.InRange(rates.LengthControlled.Mean, truth - 6, truth + 6);
            Assert.InRange(rates.LengthControlled.Mean, rates.WinRate.Mean - 4, rates.WinRate.Mean + 4); // lengths were noise
        }
    }

    [Fact]
    public void OneModelIsNotEnough() => Assert.Contains("at least two models",
        Assert.Throws<ArgumentException>(() => InstructionDifficulty.Estimate([[new Preference(1, 3, 4, "x")]])).Message);

    private static double Pearson(double[] a, double[] b)
    {
        var (ma, mb) = (a.Average(), b.Average());
        return a.Zip(b).Sum(p => (p.First - ma) * (p.Second - mb)) / Math.Sqrt(a.Sum(v => (v - ma) * (v - ma)) * b.Sum(v => (v - mb) * (v - mb)));
    }
}
