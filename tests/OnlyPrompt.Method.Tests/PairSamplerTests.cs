using OnlyPrompt.Answering;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Method.Tests;

/// <summary>Where the prefixes go in a conversation. The answers are given: what is tested is what the policy is asked.</summary>
public class PairSamplerTests
{
    private sealed class RecordingAnswerer : IAnswerer
    {
        public List<IReadOnlyList<ChatMessage>> Asked { get; } = [];

        public long GeneratedTokens => 0;

        public IReadOnlyList<GeneratedText> Answer(IReadOnlyList<ChatPrompt> prompts, SamplingOptions options, int batchSize,
            Action<int>? answered = null)
        {
            Asked.AddRange(prompts.Select(p => p.Messages()));
            return [.. prompts.Select(_ => new GeneratedText("an answer", [], FinishReason.EndOfSequence))];
        }
    }

    [Fact]
    public void ThePrefixesGoIntoTheLastUserTurnAndTheEarlierTurnsTravelWithThePair()
    {
        var answerer = new RecordingAnswerer();
        IReadOnlyList<Message> context = [new("system", "Answer in French."), new("user", "Hi"), new("assistant", "Bonjour")];
        var templates = new PromptTemplates();
        PromptRecord[] prompts = [new("Sort 3 1 2", Context: context), new("Sort 2 1")];
        var pairs = new PairSampler(answerer, templates, batchSize: 8).Sample(prompts, rejectedScore: 4, new SamplingOptions(), "r1");

        ChatMessage[] earlier = [ChatMessage.System("Answer in French."), ChatMessage.User("Hi"), ChatMessage.Assistant("Bonjour")];
        Assert.Equal([.. earlier, ChatMessage.User(templates.ChosenInstruction("Sort 3 1 2"))], answerer.Asked[0]);
        Assert.Equal([ChatMessage.User(templates.ChosenInstruction("Sort 2 1"))], answerer.Asked[1]);
        Assert.Equal([.. earlier, ChatMessage.User(templates.RejectedInstruction("Sort 3 1 2", 4))], answerer.Asked[2]);
        Assert.Same(context, pairs[0].Context);
        Assert.Null(pairs[1].Context);
        Assert.Equal("Sort 3 1 2", pairs[0].Prompt); // the pair keeps the plain instruction; the prefixes were only asked
    }
}
