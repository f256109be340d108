using OnlyPrompt.Model;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Answering;

/// <summary>
/// Writes an answer to each prompt, its instruction asked as the last user turn: the model in this process, or a server that hosts it.
/// </summary>
public interface IAnswerer
{
    /// <summary>New tokens written so far, over all calls.</summary>
    long GeneratedTokens { get; }

    /// <summary>Answers in order; <paramref name="answered"/> hears how many are done so far.</summary>
    IReadOnlyList<GeneratedText> Answer(IReadOnlyList<ChatPrompt> prompts, SamplingOptions options, int batchSize, Action<int>? answered = null);
}

/// <summary>The model in this process, stopping at its EOS and end-of-turn tokens.</summary>
public sealed class LocalAnswerer(PretrainedModel model) : IAnswerer
{
    public long GeneratedTokens { get; private set; }

    public IReadOnlyList<GeneratedText> Answer(IReadOnlyList<ChatPrompt> prompts, SamplingOptions options, int batchSize,
        Action<int>? answered = null)
    {
        var answers = model.Answer(prompts, options with { StopTokenIds = model.StopTokenIds }, batchSize, answered);
        GeneratedTokens += answers.Sum(a => (long)a.Tokens.Length);
        return answers;
    }
}
