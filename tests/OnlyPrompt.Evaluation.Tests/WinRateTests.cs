using OnlyPrompt.Evaluation.Metrics;

namespace OnlyPrompt.Evaluation.Tests;

public class WinRateTests
{
    [Fact]
    public void AllTiesGiveFifty()
    {
        var ties = Enumerable.Range(0, 40).Select(i => new Preference(0.5, 10 + i % 7, 12 + i % 5)).ToList();
        var rates = WinRates.Of(ties);
        Assert.Equal(50, rates.WinRate.Mean, 9);
        Assert.Equal(50, rates.LengthControlled.Mean, 6);
    }

    [Fact]
    public void APreferenceExplainedByLengthAloneGivesAboutFifty()
    {
        // The model wins exactly when its answer is longer, and it is longer half of the time.
        var random = new Random(1);
        var byLength = Enumerable.Range(0, 200).Select(_ =>
        {
            var (model, baseline) = (random.Next(5, 60), random.Next(5, 60));
            return new Preference(Preference.FromOutcome(model.CompareTo(baseline)), model, baseline);
        }).ToList();
        var rates = WinRates.Of(byLength);
        Assert.InRange(rates.LengthControlled.Mean, 45, 55);
        Assert.True(rates.LengthCoefficient > 2, $"length explains the preference (phi = {rates.LengthCoefficient})");
    }

    [Fact]
    public void LongerAnswersThatWinMoreOftenAreDiscountedToTheirLengthFreeRate()
    {
        // The model is longer in 80% of the examples and the judge's preference depends on the length gap alone.
        var random = new Random(2);
        var lengths = Enumerable.Range(0, 300).Select(i => i % 5 != 0 ? (40 + random.Next(10), 20 + random.Next(10))
            : (20 + random.Next(10), 40 + random.Next(10))).ToList();
        var deltas = lengths.Select(l => (double)(l.Item1 - l.Item2)).ToList();
        var sd = Math.Sqrt(deltas.Sum(d => Math.Pow(d - deltas.Average(), 2)) / deltas.Count);
        var verbose = lengths.Select(l => new Preference(1 / (1 + Math.Exp(-2 * Math.Tanh((l.Item1 - l.Item2) / sd))), l.Item1, l.Item2)).ToList();
        var rates = WinRates.Of(verbose);
        Assert.True(rates.WinRate.Mean > 65, $"raw win rate {rates.WinRate.Mean} rewards the length");
        Assert.InRange(rates.LengthControlled.Mean, 45, 55);
    }

    [Fact]
    public void ARealPreferenceStaysAboveFifty()
    {
        // The model wins 80% of the time whatever the lengths.
        var random = new Random(3);
        var better = Enumerable.Range(0, 300).Select(i => new Preference(i % 5 == 0 ? 0 : 1, random.Next(5, 60), random.Next(5, 60))).ToList();
        var rates = WinRates.Of(better);
        Assert.InRange(rates.LengthControlled.Mean, 75, 85);
        Assert.True(rates.LengthControlled.Low > 50, $"the interval {rates.LengthControlled.Low}..{rates.LengthControlled.High} excludes 50");
        Assert.InRange(rates.WinRate.Mean, 79, 81);
    }

    [Fact]
    public void MeanIntervalUsesStudentT()
    {
        var interval = MeanInterval.Of([1.0, 2.0, 3.0]);
        Assert.Equal(2, interval.Mean, 12);
        Assert.Equal(4.303 * 1 / Math.Sqrt(3), interval.HalfWidth, 9); // sd = 1, n = 3, t(2) = 4.303
        Assert.InRange(MeanInterval.StudentT975(1000), 1.962, 1.963);
        Assert.InRange(MeanInterval.StudentT975(31), 2.039, 2.041);
    }
}

public class CalibrationCheckTests
{
    [Fact]
    public void QualityRisingWithTheRequestedScoreGivesNoWarning() =>
        Assert.Null(CalibrationCheck.Warning([.1, .2, .25, .3, .4, .45, .5, .6, .65, .7, .8]));

    [Fact]
    public void AFlatOrFallingCurveIsWarnedAbout()
    {
        Assert.Contains("does not follow requested scores", CalibrationCheck.Warning([.8, .8, .8, .8, .8, .8, .8, .8, .8, .8, .8]));
        Assert.Contains("rank correlation of quality with the requested score is -1.00, below 0.5",
            CalibrationCheck.Warning([.9, .8, .7, .6, .5, .4, .3, .2, .1, .05, 0]));
        Assert.Equal(1, CalibrationCheck.SpearmanWithIndex([1, 2, 3, 4]), 12);
    }

    [Fact]
    public void TheWarningGivesOnlyTheReasonsThatHold()
    {
        // Rising in between (rho 0.73) but no better at 10 than at 0: the warning must not claim the correlation is low.
        var warning = CalibrationCheck.Warning([.5, .1, .2, .3, .4, .5, .6, .7, .8, .9, .5])!;
        Assert.Contains("quality at score 10 (0.500) is not above quality at score 0 (0.500)", warning);
        Assert.DoesNotContain("below", warning);
    }
}

public class PrefixGapTests
{
    [Fact]
    public void OnlyAPositiveGapIsQuiet()
    {
        Assert.Null(PrefixGap.Warning(new MeanInterval(0.05, -0.01, 0.11, 40)));
        Assert.Contains("premise does not hold", PrefixGap.Warning(new MeanInterval(0, 0, 0, 40)));
        Assert.Contains("score -0.030 (95% interval -0.050 to -0.010)", PrefixGap.Warning(new MeanInterval(-0.03, -0.05, -0.01, 40)));
    }
}
