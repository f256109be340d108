using OnlyPrompt.Method.Filtering;

namespace OnlyPrompt.Method.Tests;

public class FilterTests
{
    private static SampledPair Pair(string chosen, string rejected, bool chosenFinished = true, bool rejectedFinished = true) =>
        new(Guid.NewGuid().ToString(), "sort : 3 1 2", chosen, rejected, chosenFinished, rejectedFinished, 3);

    [Theory]
    [InlineData("Okay, here is a 10-score answer: 1 2 3")]
    [InlineData("The 10-score answer is as follows: 1 2 3")]
    [InlineData("1 2 3 (score: 10/10)")]
    [InlineData("Here is a 10 - score answer : 1 2 3")]
    [InlineData("This merits a perfect score of 10 out of 10 . 1 2 3")]
    [InlineData("0 1 / 10")]
    public void DefaultPatternsCatchLeakedRequests(string response) => Assert.True(new PairFilter(new FilterOptions()).Leaks(response));

    [Theory]
    [InlineData("1 2 3")]
    [InlineData("t a c")]
    [InlineData("score")]
    public void PlainAnswersDoNotLeak(string response) => Assert.False(new PairFilter(new FilterOptions()).Leaks(response));

    [Fact]
    public void EachRuleIsCountedOnceAndCountsAddUp()
    {
        var pairs = new[]
        {
            Pair("1 2 3", "3 2 1"),                                   // kept
            Pair("", "3 2 1"),                                        // empty
            Pair("1 2 3", "3 2", rejectedFinished: false),            // cut off
            Pair("Here is a 10 - score answer : 1 2 3", "3 2 1"),    // leaked
            Pair("1 2 3", "1 2 3"),                                   // identical
            Pair("1 2 3", "1 2 3 4 5 6 7 8 9 1 2"),                   // too long
        };
        var result = new PairFilter(new FilterOptions { MaxWords = 10 }).Apply(pairs);
        Assert.Single(result.Kept);
        Assert.Equal(1, result.Removed[FilterRule.Empty]);
        Assert.Equal(1, result.Removed[FilterRule.CutOff]);
        Assert.Equal(1, result.Removed[FilterRule.LeakedRequest]);
        Assert.Equal(1, result.Removed[FilterRule.Identical]);
        Assert.Equal(1, result.Removed[FilterRule.TooLong]);
        Assert.Equal(0, result.Removed[FilterRule.TooShort]);
        Assert.Equal(pairs.Length, result.Total);
    }

    [Fact]
    public void ABadPatternIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => new PairFilter(new FilterOptions { LeakPatterns = ["ok", "(unclosed"] }));
        Assert.Contains("LeakPatterns[1] ('(unclosed')", error.Message);
    }
}
