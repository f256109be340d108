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

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)] // tied embeddings: the head's gradient joins the embeddings'
    [InlineData(false, true)] // a frozen head (as under LoRA) gets no gradient, and the rest the same ones
    public void TheLeanPathGivesThePlainPathsValuesAndGradientsInAnyNumberOfChunks(bool tied, bool frozenHead)
    {
        using var model = TinyModels.Create(TinyModels.Config(tied: tied));
        if (frozenHead)
            model.HeadWeight.requires_grad = false;
        PromptResponse[] examples = [new([2, 3, 4], [5, 6]), new([7], [8, 9, 10, 11]), new([12, 13, 14, 15, 16], [17])];
        using var batch = ScoringBatch.Build(examples, model.Device);

        (float[] Sums, Dictionary<string, float[]> Gradients) Run(Func<(Tensor Sum, Tensor Count)> compute)
        {
            model.zero_grad();
            var (sum, _) = compute();
            (sum * tensor(new[] { 1f, -2f, 0.5f })).sum().backward(); // unequal weights, so each row's gradient counts
            return (sum.detach().data<float>().ToArray(),
                model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p =>
                    p.parameter.grad!.data<float>().ToArray()));
        }

        var plain = Run(() => ResponseLogProbs.Compute(model.call(batch.InputIds, null, null), batch.InputIds, batch.ResponseMask));
        // 7 response tokens and 64 columns: a budget of 2 rows' logits makes slices of 18 columns, four of them, one partial;
        // 7 rows' worth, one slice; the default budget holds the whole batch's logits, which then take the plain path.
        foreach (var chunkBytes in new[] { 2L * model.Config.VocabSize * sizeof(float), 7L * model.Config.VocabSize * sizeof(float),
            TargetLogProbs.ChunkBytes })
        {
            var lean = Run(() => ResponseLogProbs.Compute(model, batch.InputIds, batch.ResponseMask, chunkBytes));
            Assert.Equal(plain.Sums, lean.Sums, new Tolerance(1e-5f));
            Assert.Equal(plain.Gradients.Keys.Order(), lean.Gradients.Keys.Order());
            foreach (var (name, gradient) in plain.Gradients)
                Assert.Equal(gradient, lean.Gradients[name], new Tolerance(1e-5f));
        }
    }

    // In bf16, over several vocabulary slices whose maxima differ: the frozen head's hidden-state gradient, gathered in
    // the forward, is the one the trained head's backward computes, to bf16's precision.
    [Fact]
    public void AFrozenHeadGetsTheTrainedHeadsHiddenGradientInBf16()
    {
        var generator = new Generator(3);
        var hidden = randn([12, 32], generator: generator).to(ScalarType.BFloat16);
        var weight = randn([200, 32], generator: generator).mul_(0.5);
        weight.narrow(0, 150, 50).add_(1.5); // a later slice has the larger logits, so the running normaliser must grow
        weight = weight.to(ScalarType.BFloat16);
        var targets = randint(0, 200, [12], dtype: ScalarType.Int64, generator: generator);
        var rowWeights = linspace(-1, 2, 12);

        (Tensor Values, Tensor HiddenGradient) Run(bool headTrained)
        {
            var x = hidden.detach().requires_grad_(true);
            var w = weight.detach().requires_grad_(headTrained);
            var values = TargetLogProbs.Compute(x, w, targets, chunkBytes: 12L * 48 * sizeof(float)); // slices of 48 columns
            (values * rowWeights).sum().backward();
            return (values.detach(), x.grad!.to(ScalarType.Float32));
        }

        var trained = Run(headTrained: true);
        var frozen = Run(headTrained: false);
        Assert.Equal(trained.Values.data<float>().ToArray(), frozen.Values.data<float>().ToArray());
        var error = (frozen.HiddenGradient - trained.HiddenGradient).abs().max().item<float>();
        var scale = trained.HiddenGradient.abs().max().item<float>();
        Assert.True(error <= 0.01f * scale, $"largest difference {error} against a largest gradient of {scale}");
    }

    // Over several vocabulary slices, a trained head whose logits the forward keeps, all of them or the leading slices that
    // fit (2.5 slices' worth keeps 2), gets from its backward the gradients that recomputing them gives, bit for bit, as
    // the values are.
    [Theory]
    [InlineData(ScalarType.Float32, 5.0)]
    [InlineData(ScalarType.BFloat16, 5.0)]
    [InlineData(ScalarType.Float32, 2.5)]
    [InlineData(ScalarType.BFloat16, 2.5)]
    public void KeptLogitsGiveTheRecomputedGradientsBitForBit(ScalarType dtype, double keptSlices)
    {
        var generator = new Generator(5);
        var hidden = randn([12, 32], generator: generator).to(dtype);
        var weight = randn([200, 32], generator: generator).mul_(0.5).to(dtype);
        var targets = randint(0, 200, [12], dtype: ScalarType.Int64, generator: generator);
        var rowWeights = linspace(-1, 2, 12);

        (float[] Values, float[] HiddenGradient, float[] HeadGradient) Run(long keptLogitsBytes)
        {
            var x = hidden.detach().requires_grad_(true);
            var w = weight.detach().requires_grad_(true);
            var values = TargetLogProbs.Compute(x, w, targets, chunkBytes: 12L * 48 * sizeof(float), keptLogitsBytes); // 5 slices
            (values * rowWeights).sum().backward();
            return (values.detach().data<float>().ToArray(), x.grad!.to(ScalarType.Float32).data<float>().ToArray(),
                w.grad!.to(ScalarType.Float32).data<float>().ToArray());
        }

        var recomputed = Run(keptLogitsBytes: 0);
        var kept = Run((long)(keptSlices * 12 * 48 * hidden.ElementSize));
        Assert.Equal(recomputed.Values, kept.Values);
        Assert.Equal(recomputed.HiddenGradient, kept.HiddenGradient);
        Assert.Equal(recomputed.HeadGradient, kept.HeadGradient);
    }

    private sealed class Tolerance(float absolute) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= absolute + 1e-4f * Math.Abs(y);

        public int GetHashCode(float value) => 0;
    }
}
