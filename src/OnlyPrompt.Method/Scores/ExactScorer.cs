namespace OnlyPrompt.Method.Scores;

/// <summary>
/// Quality of a response in [0, 1]: 1 minus the word-level edit distance to the correct answer, divided by the
/// longer of the two, so missing, wrong and extra words (meta-text included) all cost. Score = round(10 q).
/// Used for seed data and evaluation only, never inside the online rounds.
/// </summary>
public static class ExactScorer
{
    public static double Quality(string correctAnswer, string response)
    {
        var expected = Words(correctAnswer);
        var actual = Words(response);
        var longest = Math.Max(expected.Length, actual.Length);
        return longest == 0 ? 1 : 1 - (double)EditDistance(expected, actual) / longest;
    }

    public static int Score(double quality) => (int)Math.Round(10 * quality, MidpointRounding.AwayFromZero);

    /// <summary>
    /// What a word is everywhere: here, in the filter's length rules and in the length-controlled win rate (split on any whitespace).
    /// </summary>
    public static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public static int EditDistance(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var previous = Enumerable.Range(0, b.Count + 1).ToArray();
        var current = new int[b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Count; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }
}
