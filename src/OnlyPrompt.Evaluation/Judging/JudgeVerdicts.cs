using System.Globalization;
using System.Text.RegularExpressions;

namespace OnlyPrompt.Evaluation.Judging;

/// <summary>A judge's 1-10 rating of one answer, or why none could be read from its reply.</summary>
public sealed record Rating(double? Value, string? Problem)
{
    public bool Parsed => Value is not null;
}

/// <summary>How much a judge prefers the second answer (B) over the first (A), in [0, 1], or why no verdict could be read.</summary>
public sealed record PairVerdict(double? PreferB, string? Problem)
{
    public bool Parsed => PreferB is not null;
}

/// <summary>
/// Reads verdicts from judge replies the way MT-Bench and AlpacaEval ask for them, strictly: a reply with no
/// verdict, several different verdicts, or one out of range is reported as unparseable, never guessed.
/// </summary>
public static partial class JudgeVerdicts
{
    public const double MinRating = 1, MaxRating = 10;

    public static Rating ParseRating(string reply)
    {
        var found = DoubleBracketRating().Matches(reply).Select(m => m.Groups["value"].Value).ToList();
        if (found.Count == 0)
            found = LabelledRating().Matches(reply).Select(m => m.Groups["value"].Value).ToList();
        if (found.Count == 0)
            return new Rating(null, "no [[rating]] in the reply");
        var values = found.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).Distinct().ToList();
        if (values.Count > 1)
            return new Rating(null, $"several different ratings ({string.Join(", ", values)})");
        if (values[0] is < MinRating or > MaxRating)
            return new Rating(null, $"rating {values[0]} is outside {MinRating}..{MaxRating}");
        return new Rating(values[0], null);
    }

    public static PairVerdict ParsePair(string reply)
    {
        var found = DoubleBracketChoice().Matches(reply).Select(m => char.ToUpperInvariant(m.Groups["choice"].Value[0])).Distinct().ToList();
        return found.Count switch
        {
            0 => new PairVerdict(null, "no [[A]], [[B]] or [[C]] in the reply"),
            > 1 => new PairVerdict(null, $"several different verdicts ({string.Join(", ", found)})"),
            _ => new PairVerdict(found[0] switch { 'A' => 0, 'B' => 1, _ => 0.5 }, null),
        };
    }

    /// <summary>
    /// The verdict from the first reply token's alternatives (AlpacaEval's log-prob mode, the judge asked to answer
    /// with the single letter A or B): the probability of B renormalised over A and B.
    /// </summary>
    public static PairVerdict FromFirstTokenLogProbs(IEnumerable<(string Token, double LogProb)> alternatives)
    {
        double a = 0, b = 0;
        foreach (var (token, logProb) in alternatives)
        {
            var letter = token.Trim();
            if (letter == "A")
                a += Math.Exp(logProb);
            else if (letter == "B")
                b += Math.Exp(logProb);
        }
        return a + b > 0 ? new PairVerdict(b / (a + b), null) : new PairVerdict(null, "neither A nor B among the first token's alternatives");
    }

    [GeneratedRegex(@"\[\[\s*(?<value>\d+(?:\.\d+)?)\s*(?:/\s*10\s*)?\]\]")]
    private static partial Regex DoubleBracketRating();

    [GeneratedRegex(@"\b[Rr]ating\s*[:=]\s*(?<value>\d+(?:\.\d+)?)\s*(?:/\s*10)?(?![\d.])")]
    private static partial Regex LabelledRating();

    [GeneratedRegex(@"\[\[\s*(?<choice>[ABCabc])\s*\]\]")]
    private static partial Regex DoubleBracketChoice();
}
