using System.Globalization;
using System.Text.RegularExpressions;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Answering;

/// <summary>
/// What the self-rewarding judge made of a round: how often it gave each grade, answers it gave no readable grade, prompts left without a
/// pair.
/// </summary>
public sealed record SelfJudgeStats(IReadOnlyDictionary<int, int> ScoreCounts, int Unjudged, int Unpaired);

/// <summary>
/// The self-rewarding baseline's labeller (Yuan et al.): the policy writes several plain answers per prompt, grades
/// each with a judge prompt (greedy), and the best-graded answer is paired with the worst. Prompts whose answers all
/// got the same grade, or fewer than two readable grades, give no pair.
/// </summary>
public sealed partial class SelfJudgePairSampler(IAnswerer model, string judgeTemplate, int samplesPerPrompt, int batchSize)
{
    public const int JudgeMaxNewTokens = 4;

    public (IReadOnlyList<SampledPair> Pairs, SelfJudgeStats Stats) Sample(IReadOnlyList<PromptRecord> prompts,
        SamplingOptions sampling, string idPrefix,
        Action<int>? answered = null)
    {
        var options = sampling;
        var asked = prompts.SelectMany(p => Enumerable.Repeat(new ChatPrompt(p.Prompt, p.Context), samplesPerPrompt)).ToList();
        var answers = model.Answer(asked, options, batchSize, answered);
        // The judge sees the last user turn and the answer, as Yuan et al.'s single-turn judge prompt does.
        var judgePrompts = asked.Select((prompt, i) => judgeTemplate
            .Replace("{i}", prompt.Instruction, StringComparison.Ordinal).Replace("{r}", answers[i].Text.Trim(), StringComparison.Ordinal));
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = JudgeMaxNewTokens };
        var grades = model.Answer(ChatPrompt.Of(judgePrompts), greedy, batchSize, done => answered?.Invoke(asked.Count + done)).Select(g =>
            ParseGrade(g.Text)).ToArray();

        var counts = new SortedDictionary<int, int>();
        var (unjudged, unpaired) = (0, 0);
        var pairs = new List<SampledPair>();
        for (var p = 0; p < prompts.Count; p++)
        {
            var graded = Enumerable.Range(p * samplesPerPrompt, samplesPerPrompt).Where(i => grades[i] is not null).ToList();
            unjudged += samplesPerPrompt - graded.Count;
            foreach (var i in graded)
                counts[grades[i]!.Value] = counts.GetValueOrDefault(grades[i]!.Value) + 1;
            if (graded.Count < 2 || graded.All(i => grades[i] == grades[graded[0]]))
            {
                unpaired++;
                continue;
            }
            var best = graded.MaxBy(i => grades[i])!;
            var worst = graded.MinBy(i => grades[i])!;
            pairs.Add(new SampledPair($"{idPrefix}-{p}", prompts[p].Prompt, answers[best].Text.Trim(), answers[worst].Text.Trim(),
                answers[best].Finished, answers[worst].Finished, grades[worst]!.Value, prompts[p].Context));
        }
        return (pairs, new SelfJudgeStats(counts, unjudged, unpaired));
    }

    /// <summary>The grade at the start of the judge's answer, 0..10; null when there is none.</summary>
    public static int? ParseGrade(string text) =>
        LeadingNumber().Match(text) is { Success: true } match
            && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var grade) && grade <= 10
            ? grade
            : null;

    [GeneratedRegex(@"^\s*(\d{1,2})(?!\d)")]
    private static partial Regex LeadingNumber();
}
