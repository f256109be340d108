using OnlyPrompt.Model.Generation;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.Settings;
using OnlyPrompt.TestSupport.Models;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Tests;

public class GenerationTests
{
    private static readonly int[][] Prompts = [[2, 3, 4, 5], [6, 7], [8, 9, 10]];

    [Fact]
    public void CachedAndUncachedGreedyDecodingAgree()
    {
        using var model = TinyModels.Create(TinyModels.Config(kvHeads: 1));
        var generator = new BatchGenerator(model);
        var options = new SamplingOptions { MaxNewTokens = 12, Temperature = 0 };
        var cached = generator.Generate(Prompts, options);
        var uncached = generator.Generate(Prompts, options with { UseKvCache = false });
        for (var i = 0; i < Prompts.Length; i++)
            Assert.Equal(uncached[i].Tokens, cached[i].Tokens);
    }

    [Fact]
    public void BatchedGreedyDecodingEqualsDecodingEachPromptAlone()
    {
        using var model = TinyModels.Create();
        var generator = new BatchGenerator(model);
        var options = new SamplingOptions { MaxNewTokens = 10, Temperature = 0 };
        var batched = generator.Generate(Prompts, options);
        for (var i = 0; i < Prompts.Length; i++)
            Assert.Equal(generator.Generate([Prompts[i]], options)[0].Tokens, batched[i].Tokens);
    }

    [Fact]
    public void TheSameSeedGivesTheSameSamplesAndAnotherSeedDiffers()
    {
        using var model = TinyModels.Create();
        var generator = new BatchGenerator(model);
        var options = new SamplingOptions { MaxNewTokens = 16, Temperature = 1.0, TopP = 0.95, TopK = 40, Seed = 7 };
        var first = generator.Generate(Prompts, options);
        var second = generator.Generate(Prompts, options);
        var other = generator.Generate(Prompts, options with { Seed = 8 });
        Assert.Equal(first.Select(s => s.Tokens), second.Select(s => s.Tokens));
        Assert.NotEqual(first.Select(s => s.Tokens), other.Select(s => s.Tokens));
    }

    [Fact]
    public void ReportedLogProbsAreTheModelsOwnScoresOfTheSampledTokens()
    {
        using var model = TinyModels.Create();
        var options = new SamplingOptions { MaxNewTokens = 8, Temperature = 1.3, Seed = 5, LogProbs = 3 };
        var sampled = new BatchGenerator(model).Generate(Prompts, options);
        var (sums, counts) = ResponseLogProbs.Score(model, Prompts.Zip(sampled, (p, s) => new PromptResponse(p, s.Tokens)).ToList(), batchSize: 4);
        for (var i = 0; i < Prompts.Length; i++)
        {
            var reported = sampled[i].LogProbs!;
            Assert.Equal(sampled[i].Tokens, reported.Select(t => t.Token));
            Assert.Equal(counts[i], reported.Count);
            Assert.Equal(sums[i], reported.Sum(t => t.LogProb), 3);
            foreach (var token in reported)
            {
                Assert.Equal(3, token.Top.Count);
                Assert.True(token.Top[0].LogProb >= token.LogProb - 1e-5f, "the top alternative is at least as likely as the sampled token");
                Assert.True(token.Top.Zip(token.Top.Skip(1)).All(p => p.First.LogProb >= p.Second.LogProb), "alternatives come most likely first");
            }
        }
        Assert.All(new BatchGenerator(model).Generate(Prompts, options with { LogProbs = null }), s => Assert.Null(s.LogProbs));
    }

    [Fact]
    public void TopKOfOneIsGreedy()
    {
        using var model = TinyModels.Create();
        var generator = new BatchGenerator(model);
        var greedy = generator.Generate(Prompts, new SamplingOptions { MaxNewTokens = 8, Temperature = 0 });
        var topOne = generator.Generate(Prompts, new SamplingOptions { MaxNewTokens = 8, Temperature = 1.5, TopK = 1, Seed = 3 });
        Assert.Equal(greedy.Select(s => s.Tokens), topOne.Select(s => s.Tokens));
    }

    [Fact]
    public void TopPKeepsOnlyTheNucleus()
    {
        var logits = tensor(new[] { 0f, 3f, 2.9f, -5f }, [1, 4]);       // p ~ [0.03, 0.51, 0.46, 0.00]
        var generator = new Generator(1);
        var seen = new HashSet<long>();
        for (var i = 0; i < 200; i++)
            seen.Add(TokenSampler.Next(logits, new SamplingOptions { TopP = 0.9 }, generator).item<long>());
        Assert.Equal([1L, 2L], seen.Order());
    }

    [Fact]
    public void EachSequenceReportsWhyItEnded()
    {
        using var model = TinyModels.Create();
        var generator = new BatchGenerator(model);
        var greedy = generator.Generate(Prompts, new SamplingOptions { MaxNewTokens = 6, Temperature = 0 });
        Assert.All(greedy, s => Assert.Equal(FinishReason.Length, s.FinishReason));
        Assert.All(greedy, s => Assert.Equal(6, s.Tokens.Length));

        // Make the first prompt's third greedy token a stop token: that row ends there, the others run on.
        var stop = greedy[0].Tokens[2];
        var stopped = generator.Generate(Prompts, new SamplingOptions { MaxNewTokens = 6, Temperature = 0, StopTokenIds = [stop] });
        Assert.Equal(FinishReason.EndOfSequence, stopped[0].FinishReason);
        Assert.Equal(greedy[0].Tokens[..2], stopped[0].Tokens);
        Assert.True(stopped[0].Finished);
        for (var i = 1; i < Prompts.Length; i++)
            if (!greedy[i].Tokens.Contains(stop))
                Assert.Equal(greedy[i].Tokens, stopped[i].Tokens);

        var byCondition = generator.Generate(Prompts, new SamplingOptions { MaxNewTokens = 6, Temperature = 0 }, (row, tokens) =>
            row == 1 && tokens.Count == 3);
        Assert.Equal(FinishReason.StopString, byCondition[1].FinishReason);
        Assert.Equal(3, byCondition[1].Tokens.Length);
    }

    [Fact]
    public void TextGenerationCutsAtStopStrings()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("tokenizer.json"), TokenizerTests.BuildByteLevelTokenizerJson());
        var tokenizer = HfTokenizer.Load(dir.File("tokenizer.json"));
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabularySize));
        var generator = new TextGenerator(model, tokenizer);
        var free = generator.Generate(["the sort"], new SamplingOptions { MaxNewTokens = 20, Temperature = 0 })[0];
        Assert.Equal(FinishReason.Length, free.FinishReason);
        var stopString = free.Text.Substring(free.Text.Length / 2, 1);
        var stopped = generator.Generate(["the sort"], new SamplingOptions { MaxNewTokens = 20, Temperature = 0, StopStrings = [stopString] })[0];
        Assert.Equal(FinishReason.StopString, stopped.FinishReason);
        Assert.Equal(free.Text[..free.Text.IndexOf(stopString, StringComparison.Ordinal)], stopped.Text);
    }

    [Fact]
    public void InvalidOptionsNameTheField()
    {
        using var model = TinyModels.Create();
        var generator = new BatchGenerator(model);
        Assert.Equal("TopP", Assert.Throws<ArgumentOutOfRangeException>(() =>
            generator.Generate(Prompts, new SamplingOptions { TopP = 0 })).ParamName);
        Assert.Equal("Temperature", Assert.Throws<ArgumentOutOfRangeException>(() =>
            generator.Generate(Prompts, new SamplingOptions { Temperature = -1 })).ParamName);
        Assert.Contains("exceeds the model's context",
            Assert.Throws<ArgumentException>(() => generator.Generate(Prompts, new SamplingOptions { MaxNewTokens = 500 })).Message);
        Assert.Contains("prompts[1] is empty", Assert.Throws<ArgumentException>(() => generator.Generate([[1], []], new SamplingOptions())).Message);
    }
}
