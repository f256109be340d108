using OnlyPrompt.Settings;
namespace OnlyPrompt.Model.Generation;

public enum FinishReason
{
    /// <summary>A stop token (EOS or end of turn) was produced.</summary>
    EndOfSequence,
    /// <summary>A stop string appeared in the text.</summary>
    StopString,
    /// <summary>Cut off at MaxNewTokens.</summary>
    Length,
}

/// <summary>A sampled token's log-probability and the most likely alternatives at that position.</summary>
public sealed record TokenLogProb(int Token, float LogProb, IReadOnlyList<(int Token, float LogProb)> Top);

/// <summary>One sampled continuation; <see cref="LogProbs"/> is set when <see cref="SamplingOptions.LogProbs"/> was.</summary>
public sealed record GeneratedSequence(int[] Tokens, FinishReason FinishReason, IReadOnlyList<TokenLogProb>? LogProbs = null)
{
    public bool Finished => FinishReason != FinishReason.Length;
}
