using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.TestSupport.Models;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Tests;

public class ModelForwardTests
{
    public static TheoryData<int> VariantIndexes() => new(Enumerable.Range(0, TinyModels.Variants().Length));

    [Theory]
    [MemberData(nameof(VariantIndexes))]
    public void KvCacheDecodingMatchesFullRecomputation(int variant)
    {
        var config = TinyModels.Variants()[variant];
        using var model = TinyModels.Create(config);
        using var _ = no_grad();
        var ids = TinyModels.Ids([5, 9, 3, 7, 2, 11, 4, 8, 6, 10]);
        var full = model.call(ids, null, null);                                                   // [1, 10, V]

        using var cache = new KvCache(config, 1, 10, model.DType, model.Device);
        var prefix = model.call(ids.narrow(1, 0, 4), null, cache);                   // prefill 4 tokens
        var steps = new List<Tensor> { prefix };
        for (var t = 4; t < 10; t++)
            steps.Add(model.call(ids.narrow(1, t, 1), null, cache));                 // one token at a time
        var incremental = cat(steps, 1);

        var difference = (full - incremental).abs().max().item<float>();
        Assert.True(difference < 1e-4f, $"max |full - cached| = {difference}");
        Assert.Equal(full.argmax(-1).data<long>().ToArray(), incremental.argmax(-1).data<long>().ToArray());
    }

    [Theory]
    [MemberData(nameof(VariantIndexes))]
    public void ChangingALaterTokenNeverChangesEarlierLogits(int variant)
    {
        using var model = TinyModels.Create(TinyModels.Variants()[variant]);
        using var _ = no_grad();
        var original = model.call(TinyModels.Ids([5, 9, 3, 7, 2, 11]), null, null);
        var changed = model.call(TinyModels.Ids([5, 9, 3, 40, 41, 42]), null, null);
        var before = (original.narrow(1, 0, 3) - changed.narrow(1, 0, 3)).abs().max().item<float>();
        var after = (original.narrow(1, 3, 3) - changed.narrow(1, 3, 3)).abs().max().item<float>();
        Assert.Equal(0f, before);
        Assert.True(after > 1e-3f, "later logits should depend on the changed tokens");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ASlidingWindowLimitsWhatEachTokenSees(int window)
    {
        // Two layers: a token sees 2 * (window - 1) positions back, no further.
        var config = TinyModels.Config("MistralForCausalLM") with { SlidingWindow = window };
        using var model = TinyModels.Create(config);
        using var _ = no_grad();
        long[] tokens = [5, 9, 3, 7, 2, 11, 4, 8, 6, 10, 12, 13];
        var reach = 2 * (window - 1);
        var last = tokens.Length - 1;
        var original = model.call(TinyModels.Ids(tokens), null, null)[0, last];
        var beyond = (long[])tokens.Clone();
        beyond[last - reach - 1] = 40;
        Assert.Equal(0f, (model.call(TinyModels.Ids(beyond), null, null)[0, last] - original).abs().max().item<float>());
        var within = (long[])tokens.Clone();
        within[last - reach] = 40;
        Assert.True((model.call(TinyModels.Ids(within), null, null)[0, last] - original).abs().max().item<float>() > 1e-4f,
            "a token inside the window must count");
    }

    [Fact]
    public void AWindowAsLongAsTheSequenceChangesNothing()
    {
        var plain = TinyModels.Config("MistralForCausalLM");
        using var model = TinyModels.Create(plain);
        using var windowed = TinyModels.Create(plain with { SlidingWindow = 10 });
        using var _ = no_grad();
        var ids = TinyModels.Ids([5, 9, 3, 7, 2, 11, 4, 8, 6, 10]);
        Assert.Equal(0f, (model.call(ids, null, null) - windowed.call(ids, null, null)).abs().max().item<float>());
    }

    [Fact]
    public void KvCacheDecodingHonoursTheSlidingWindow()
    {
        // Decoding 12 tokens through a window of 4: the cached keys that left the window must stop counting.
        var config = TinyModels.Config("MistralForCausalLM") with { SlidingWindow = 4 };
        using var model = TinyModels.Create(config);
        using var _ = no_grad();
        var ids = TinyModels.Ids([5, 9, 3, 7, 2, 11, 4, 8, 6, 10, 12, 13]);
        var full = model.call(ids, null, null);
        using var cache = new KvCache(config, 1, 12, model.DType, model.Device);
        var steps = new List<Tensor> { model.call(ids.narrow(1, 0, 6), null, cache) };
        for (var t = 6; t < 12; t++)
            steps.Add(model.call(ids.narrow(1, t, 1), null, cache));
        var difference = (full - cat(steps, 1)).abs().max().item<float>();
        Assert.True(difference < 1e-4f, $"max |full - cached| = {difference}");
    }

    [Fact]
    public void LeftPaddingDoesNotChangeARowsLogits()
    {
        using var model = TinyModels.Create();
        using var _ = no_grad();
        var alone = model.call(TinyModels.Ids([5, 9, 3]), null, null);                                // [1, 3, V]
        var padded = TinyModels.Ids([0, 0, 5, 9, 3], [6, 7, 8, 9, 10]);
        var mask = tensor(new[] { false, false, true, true, true, true, true, true, true, true }, [2, 5]);
        var batched = model.call(padded, mask, null);                                           // [2, 5, V]
        var difference = (batched[0].narrow(0, 2, 3) - alone[0]).abs().max().item<float>();
        Assert.True(difference < 1e-5f, $"max difference {difference}");
        Assert.False(batched.isnan().any().item<bool>(), "padding rows must not produce NaN");
    }

    [Fact]
    public void GroupedQueryAttentionHasFewerKeyValueParameters()
    {
        using var model = TinyModels.Create(TinyModels.Config(kvHeads: 1));
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([32L, 32L], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([8L, 32L], shapes["model.layers.0.self_attn.k_proj.weight"]);
        Assert.Equal([8L, 32L], shapes["model.layers.1.self_attn.v_proj.weight"]);
        Assert.Equal([64L, 32L], shapes["lm_head.weight"]);
    }

    [Fact]
    public void QwenHasQkvBiasAndTiedModelsHaveNoHead()
    {
        using var model = TinyModels.Create(TinyModels.Config("Qwen2ForCausalLM", tied: true));
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", names);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
        Assert.DoesNotContain("lm_head.weight", names);
        using var _ = no_grad();
        var logits = model.call(TinyModels.Ids([1, 2, 3]), null, null);
        Assert.Equal([1L, 3L, 64L], logits.shape);
    }

    [Fact]
    public void SequencesLongerThanTheContextAreRefused()
    {
        using var model = TinyModels.Create(TinyModels.Config() with { MaxPositionEmbeddings = 4 });
        var error = Assert.Throws<ArgumentException>(() => model.call(TinyModels.Ids([1, 2, 3, 4, 5]), null, null));
        Assert.Contains("context of 4", error.Message);
    }

    [Fact]
    public void Llama3RopeScalingChangesOnlyLongWavelengths()
    {
        var plain = TinyModels.Config() with { RopeTheta = 500000 };
        var scaled = plain with { RopeScaling = new Llama3RopeScaling(8, 1, 4, 32) };
        using var positions = arange(0, 16, dtype: ScalarType.Int64).unsqueeze(0);
        var a = new RotaryEmbedding(plain).Angles(positions, ScalarType.Float32);
        var b = new RotaryEmbedding(scaled).Angles(positions, ScalarType.Float32);
        // The first (highest-frequency) component is untouched, the last (lowest) is divided by the factor.
        Assert.Equal(a.Cos[0, 15, 0].item<float>(), b.Cos[0, 15, 0].item<float>());
        Assert.NotEqual(a.Cos[0, 15, 3].item<float>(), b.Cos[0, 15, 3].item<float>());
    }
}
