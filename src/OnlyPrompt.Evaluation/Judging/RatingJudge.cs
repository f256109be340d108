namespace OnlyPrompt.Evaluation.Judging;

/// <summary>Asks a judge to rate one answer from 1 to 10, MT-Bench style, and reads the <c>[[rating]]</c> from its reply.</summary>
public sealed class RatingJudge(IChatCompletions judge, int maxTokens = 512)
{
    public const string SystemPrompt =
        "You are an impartial judge. Rate how well the AI assistant's answer follows the user's instruction, judging " +
        "correctness first, then helpfulness, relevance, depth and precision.";

    public async Task<Rating> RateAsync(string instruction, string answer, CancellationToken cancellation)
    {
        var user = $"[Instruction]\n{instruction}\n\n[Answer]\n{answer}\n[End of answer]\n\n" +
                   "Explain your rating briefly, then give it strictly in the format \"[[rating]]\", a number from 1 to 10.";
        var reply = await judge.CompleteAsync(new ChatCompletionRequest([new ChatTurn("system", SystemPrompt), new ChatTurn("user", user)],
            MaxTokens: maxTokens), cancellation);
        return JudgeVerdicts.ParseRating(reply.Content);
    }
}
