using System.Text.RegularExpressions;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Scores;

namespace OnlyPrompt.Method.Filtering;

/// <summary>Why a pair was dropped; a pair counts under the first rule, in this order, that removes it.</summary>
public enum FilterRule
{
    Empty,
    CutOff,
    LeakedRequest,
    Identical,
    TooShort,
    TooLong,
}

/// <summary>A chosen/rejected pair as sampled for one prompt, before filtering; <see cref="Context"/> holds the turns before the prompt.</summary>
public sealed record SampledPair(string Id, string Prompt, string Chosen, string Rejected, bool ChosenFinished,
    bool RejectedFinished, int RejectedScore,
    IReadOnlyList<Message>? Context = null);

public sealed record FilterOptions
{
    /// <summary>Case-insensitive patterns for responses that talk about the request instead of answering it.</summary>
    public static readonly IReadOnlyList<string> DefaultLeakPatterns =
    [
        @"\b\d+\s*-\s*score\b",                 // "a 10-score answer", "10 - score"
        @"\bscore\s*:?\s*\d+\s*/\s*10\b",       // "(score: 10/10)"
        @"\b\d+\s*/\s*10\b",                   // any "N/10" rating
        @"\b(top\s*-\s*notch|perfect score|out of 10|merits)\b", // echoes of the request itself
        @"\bhere\s+is\s+an?\b.*\banswer\b",     // "Okay, here is a ... answer"
        @"\bas\s+follows\b",                    // "The 10-score answer is as follows"
    ];

    public IReadOnlyList<string> LeakPatterns { get; init; } = DefaultLeakPatterns;
    /// <summary>Word bounds for each response (inclusive); null for none.</summary>
    public int? MinWords { get; init; }
    public int? MaxWords { get; init; }
}

/// <summary>What the filter kept, and how many pairs each rule removed.</summary>
public sealed record FilterResult(IReadOnlyList<SampledPair> Kept, IReadOnlyDictionary<FilterRule, int> Removed)
{
    public int Total => Kept.Count + Removed.Values.Sum();
}

/// <summary>Drops pairs whose responses leak the request, are empty or cut off, are identical, or fall outside length bounds.</summary>
public sealed class PairFilter
{
    private readonly Regex[] leaks;
    private readonly FilterOptions options;

    public PairFilter(FilterOptions options)
    {
        this.options = options;
        leaks = options.LeakPatterns.Select((pattern, i) =>
        {
            try
            {
                return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"LeakPatterns[{i}] ('{pattern}') is not a valid regular expression: {e.Message}", nameof(options), e);
            }
        }).ToArray();
        if (options.MinWords is < 0 || options.MaxWords is < 1 || options.MinWords > options.MaxWords)
            throw new ArgumentException($"MinWords ({options.MinWords}) and MaxWords ({options.MaxWords}) must satisfy 0 <= MinWords <= MaxWords.",
                nameof(options));
    }

    public FilterResult Apply(IEnumerable<SampledPair> pairs)
    {
        var kept = new List<SampledPair>();
        var removed = Enum.GetValues<FilterRule>().ToDictionary(rule => rule, _ => 0);
        foreach (var pair in pairs)
        {
            if (FirstFailedRule(pair) is { } rule)
                removed[rule]++;
            else
                kept.Add(pair);
        }
        return new FilterResult(kept, removed);
    }

    public bool Leaks(string response) => leaks.Any(l => l.IsMatch(response));

    private FilterRule? FirstFailedRule(SampledPair pair)
    {
        if (string.IsNullOrWhiteSpace(pair.Chosen) || string.IsNullOrWhiteSpace(pair.Rejected))
            return FilterRule.Empty;
        if (!pair.ChosenFinished || !pair.RejectedFinished)
            return FilterRule.CutOff;
        if (Leaks(pair.Chosen) || Leaks(pair.Rejected))
            return FilterRule.LeakedRequest;
        if (pair.Chosen.Trim() == pair.Rejected.Trim())
            return FilterRule.Identical;
        int chosenWords = Words(pair.Chosen), rejectedWords = Words(pair.Rejected);
        if (options.MinWords is { } min && Math.Min(chosenWords, rejectedWords) < min)
            return FilterRule.TooShort;
        if (options.MaxWords is { } max && Math.Max(chosenWords, rejectedWords) > max)
            return FilterRule.TooLong;
        return null;
    }

    private static int Words(string text) => ExactScorer.Words(text).Length;
}
