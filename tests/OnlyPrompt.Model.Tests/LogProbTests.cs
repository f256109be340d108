using OnlyPrompt.Model.Scoring;
using OnlyPrompt.TestSupport.Models;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Tests;

public class LogProbTests
{
    [Fact]
    public void SumsOnlyResponseTokensWithTheShift()
    {
        // Vocabulary of 3; logits chosen so the log-softmax values are easy to state.
        var logits = zeros(1, 4, 3);
        logits[0, 1, 2] = tensor(2f);                                  // position 1 predicts token 2
        logits[0, 2, 0] = tensor(1f);                                  // position 2 predicts token 0
        var ids = tensor(new long[] { 1, 1, 2, 0 }, [1, 4]);
        var mask = tensor(new[] { false, false, true, true }, [1, 4]);  // the response is the last two tokens
        var (sum, count) = ResponseLogProbs.Compute(logits, ids, mask);
        var expected = (2 - Math.Log(Math.Exp(2) + 2)) + (1 - Math.Log(Math.E + 2));
        Assert.Equal(expected, sum.item<float>(), 5);
        Assert.Equal(2f, count.item<float>());
    }

    [Fact]
    public void BatchedScoresEqualOneAtATimeDespitePadding()
    {
        using var model = TinyModels.Create();
        PromptResponse[] examples = [new([2, 3, 4], [5, 6]), new([7], [8, 9, 10, 11]), new([12, 13, 14, 15, 16], [17])];
        var (batched, counts) = ResponseLogProbs.Score(model, examples, batchSize: 3);
        Assert.Equal([2, 4, 1], counts);
        for (var i = 0; i < examples.Length; i++)
        {
            var (alone, _) = ResponseLogProbs.Score(model, [examples[i]], batchSize: 1);
            Assert.Equal(alone[0], batched[i], 4);
            Assert.True(batched[i] < 0);
        }
    }
}
