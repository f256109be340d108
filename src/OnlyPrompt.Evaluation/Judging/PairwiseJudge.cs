namespace OnlyPrompt.Evaluation.Judging;

public enum PairwiseMode
{
    /// <summary>The judge reasons, then ends with [[A]], [[B]] or [[C]] (tie), as in MT-Bench's pairwise mode.</summary>
    Verdict,
    /// <summary>The judge answers with one letter and its first-token log-probs give a soft preference, as AlpacaEval does.</summary>
    LogProbs,
}

/// <summary>A comparison of two answers judged in both orders; <see cref="ModelWins"/> is null when either order gave no verdict.</summary>
public sealed record PairJudgment(double? ModelWins, PairVerdict ModelFirst, PairVerdict BaselineFirst)
{
    public string? Problem => ModelWins is not null ? null : ModelFirst.Problem ?? BaselineFirst.Problem;
}

/// <summary>
/// Asks a judge which of two answers is better, once with the model's answer first and once with it second, and
/// averages the two verdicts so that a judge's preference for a position cancels.
/// </summary>
public sealed class PairwiseJudge(IChatCompletions judge, PairwiseMode mode = PairwiseMode.Verdict, int maxTokens = 512)
{
    public const string SystemPrompt =
        "You are an impartial judge. Compare two AI assistants' answers to the user's instruction and decide which one " +
        "follows it better: correctness first, then helpfulness and precision. Ignore the order of the answers, their " +
        "length and the assistants' names.";

    public async Task<PairJudgment> CompareAsync(string instruction, string modelAnswer, string baselineAnswer, CancellationToken cancellation)
    {
        var modelFirst = AskAsync(instruction, modelAnswer, baselineAnswer, cancellation);
        var baselineFirst = AskAsync(instruction, baselineAnswer, modelAnswer, cancellation);
        var (first, second) = (await modelFirst, await baselineFirst);
        double? wins = first.Parsed && second.Parsed ? ((1 - first.PreferB!.Value) + second.PreferB!.Value) / 2 : null;
        return new PairJudgment(wins, first, second);
    }

    private async Task<PairVerdict> AskAsync(string instruction, string a, string b, CancellationToken cancellation)
    {
        var ending = mode == PairwiseMode.Verdict
            ? "Explain your decision briefly, then give your final verdict strictly as \"[[A]]\" if A is better, \"[[B]]\" if B is better, or " +
                "\"[[C]]\" for a tie."
            : "Answer with exactly one letter: A if A is better, B if B is better.";
        var user = $"[Instruction]\n{instruction}\n\n[Answer A]\n{a}\n[End of answer A]\n\n[Answer B]\n{b}\n[End of answer B]\n\n{ending}";
        var request = new ChatCompletionRequest([new ChatTurn("system", SystemPrompt), new ChatTurn("user", user)],
            MaxTokens: mode == PairwiseMode.Verdict ? maxTokens : 1, TopLogProbs: mode == PairwiseMode.LogProbs ? 5 : null);
        var reply = await judge.CompleteAsync(request, cancellation);
        return mode == PairwiseMode.Verdict
            ? JudgeVerdicts.ParsePair(reply.Content)
            : JudgeVerdicts.FromFirstTokenLogProbs(reply.FirstTokenAlternatives.Select(t => (t.Token, t.LogProb)));
    }
}
