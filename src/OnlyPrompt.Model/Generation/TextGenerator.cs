using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Model.Generation;

/// <summary>A sampled answer: its text (special tokens removed, cut before any stop string), its tokens and why it ended.</summary>
public sealed record GeneratedText(string Text, int[] Tokens, FinishReason FinishReason, IReadOnlyList<TokenLogProb>? LogProbs = null)
{
    public bool Finished => FinishReason != FinishReason.Length;
}

/// <summary>Samples text continuations of already-rendered prompts.</summary>
public sealed class TextGenerator(LlamaForCausalLM model, HfTokenizer tokenizer)
{
    private readonly BatchGenerator generator = new(model);

    public IReadOnlyList<GeneratedText> Generate(IReadOnlyList<string> renderedPrompts, SamplingOptions options)
    {
        var prompts = renderedPrompts.Select(p => tokenizer.Encode(p, addSpecialTokens: false)).ToArray();
        Func<int, IReadOnlyList<int>, bool>? stop = options.StopStrings.Count == 0
            ? null
            : (_, tokens) => options.StopStrings.Any(tokenizer.Decode(tokens, skipSpecialTokens: true).Contains);
        return generator.Generate(prompts, options, stop).Select(sequence =>
        {
            var text = tokenizer.Decode(sequence.Tokens, skipSpecialTokens: true);
            foreach (var stopString in options.StopStrings)
                if (text.IndexOf(stopString, StringComparison.Ordinal) is var at and >= 0)
                    text = text[..at];
            return new GeneratedText(text, sequence.Tokens, sequence.FinishReason, sequence.LogProbs);
        }).ToArray();
    }
}
