namespace OnlyPrompt.Method.Data;

/// <summary>
/// Which prompts an online round samples: with S numbered sets in the prompt file, round k takes set
/// ((k - 1) mod S) + 1, so each of the first S rounds sees prompts no earlier round saw (as iterative DPO splits its
/// prompt pool per iteration). Prompts without a set belong to every round.
/// </summary>
public static class RoundPromptSets
{
    /// <param name="source">Names the prompt file in errors.</param>
    public static IReadOnlyList<PromptRecord> ForRound(IReadOnlyList<PromptRecord> prompts, int round, string source = "prompts")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        for (var i = 0; i < prompts.Count; i++)
            if (prompts[i].Set is < 1)
                throw new InvalidDataException($"{source}, line {i + 1}: set is {prompts[i].Set}; prompt sets are numbered from 1.");
        var sets = prompts.Max(p => p.Set) ?? 0;
        if (sets == 0)
            return prompts;
        var set = (round - 1) % sets + 1;
        var selected = prompts.Where(p => p.Set is null || p.Set == set).ToList();
        return selected.Count > 0 ? selected
            : throw new InvalidDataException($"{source}: round {round} samples prompt set {set} of {sets}, and no prompt has that set.");
    }
}
