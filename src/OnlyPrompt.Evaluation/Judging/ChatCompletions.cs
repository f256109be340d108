namespace OnlyPrompt.Evaluation.Judging;

public sealed record ChatTurn(string Role, string Content);

/// <summary>One chat-completions call: the messages, greedy by default, and how many first-token alternatives to return.</summary>
public sealed record ChatCompletionRequest(IReadOnlyList<ChatTurn> Messages, int MaxTokens, double Temperature = 0, int? TopLogProbs = null,
    double TopP = 1, long? Seed = null);

public sealed record TokenAlternative(string Token, double LogProb);

/// <summary>
/// The reply text, why it ended, (when asked for) the alternatives for its first token, and its length in tokens as the server counted it.
/// </summary>
public sealed record ChatCompletion(string Content, string FinishReason, IReadOnlyList<TokenAlternative> FirstTokenAlternatives,
    int CompletionTokens = 0);

/// <summary>Something that answers chat-completion requests: an OpenAI-compatible server, or a cache in front of one.</summary>
public interface IChatCompletions
{
    /// <summary>Names the judge model, so that caches and reports can tell judges apart.</summary>
    string Model { get; }

    Task<ChatCompletion> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellation);
}
