using OnlyPrompt.Evaluation.Judging;

namespace OnlyPrompt.Evaluation.Tests;

public class JudgeTests
{
    /// <summary>A judge with a fixed taste: it prefers whichever answer contains "good", in whatever position, and records what it was asked.</summary>
    private sealed class TasteJudge(Func<string, string, string> reply) : IChatCompletions
    {
        public List<ChatCompletionRequest> Asked { get; } = [];
        public string Model => "taste";

        public Task<ChatCompletion> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellation)
        {
            lock (Asked)
                Asked.Add(request);
            var user = request.Messages[^1].Content;
            var a = Between(user, "[Answer A]\n", "\n[End of answer A]");
            var b = Between(user, "[Answer B]\n", "\n[End of answer B]");
            return Task.FromResult(new ChatCompletion(reply(a, b), "stop", []));
        }

        private static string Between(string text, string start, string end)
        {
            var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
            return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
        }
    }

    [Fact]
    public async Task BothOrdersAreAskedAndAPositionBiasCancels()
    {
        var alwaysA = new TasteJudge((_, _) => "[[A]]");
        var judgment = await new PairwiseJudge(alwaysA).CompareAsync("say hi", "hi", "hello", CancellationToken.None);
        Assert.Equal(2, alwaysA.Asked.Count);
        Assert.Equal(0.5, judgment.ModelWins);

        var taste = new TasteJudge((a, b) => a.Contains("good") ? "[[A]]" : b.Contains("good") ? "[[B]]" : "[[C]]");
        Assert.Equal(1, (await new PairwiseJudge(taste).CompareAsync("x", "good answer", "bad answer", CancellationToken.None)).ModelWins);
        Assert.Equal(0, (await new PairwiseJudge(taste).CompareAsync("x", "bad answer", "good answer", CancellationToken.None)).ModelWins);
    }

    [Fact]
    public async Task AnUnreadableOrderLeavesTheComparisonUnscoredWithItsReason()
    {
        var flaky = new TasteJudge((a, _) => a == "model" ? "[[A]]" : "I cannot decide.");
        var judgment = await new PairwiseJudge(flaky).CompareAsync("x", "model", "baseline", CancellationToken.None);
        Assert.Null(judgment.ModelWins);
        Assert.Contains("no [[A]]", judgment.Problem);
    }

    [Fact]
    public async Task TheCacheAnswersRepeatedGreedyRequestsAndSurvivesATornLastLine()
    {
        var directory = Directory.CreateTempSubdirectory();
        try
        {
            var path = Path.Combine(directory.FullName, "judge-cache.jsonl");
            var judge = new TasteJudge((_, _) => "[[B]]");
            var cached = new CachedChatCompletions(judge, path);
            await new PairwiseJudge(cached).CompareAsync("x", "one", "two", CancellationToken.None);
            await new PairwiseJudge(cached).CompareAsync("x", "one", "two", CancellationToken.None);
            Assert.Equal(2, judge.Asked.Count);
            Assert.Equal(2, cached.Hits);

            File.AppendAllText(path, "{\"Key\":\"torn");
            var reopened = new CachedChatCompletions(judge, path);
            await new PairwiseJudge(reopened).CompareAsync("x", "one", "two", CancellationToken.None);
            Assert.Equal(2, judge.Asked.Count); // nothing asked again after a restart
            await new PairwiseJudge(reopened).CompareAsync("x", "three", "four", CancellationToken.None);
            Assert.Equal(4, new CachedChatCompletions(judge, path).Count); // the torn line is gone and new entries append whole

            File.WriteAllLines(path, ["not json", "{}"]);
            var error = Assert.Throws<FormatException>(() => new CachedChatCompletions(judge, path));
            Assert.Contains("line 1", error.Message);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
