using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Bench;

/// <summary>
/// Where a DPO step's time goes: one decoder layer, its attention alone, and the memory-lean head (trained, and frozen as
/// under LoRA), each forward and forward + backward on the step's shapes (2 x --batch rows of --seq tokens, the last three
/// quarters scored), with the GFLOP/s each reaches.
/// </summary>
public static class PartsBenchmark
{
    public static IEnumerable<object> Run(LlamaConfig config, BenchOptions options, ScalarType dtype, Device device, MatmulPeak matmulPeak)
    {
        using var scope = NewDisposeScope();
        long rows = 2L * options.Batch, steps = options.Sequence, scored = rows * (steps - steps / 4);
        var generator = new Generator(1, device);
        Tensor Random(params long[] shape) => randn(shape, dtype: dtype, device: device, generator: generator).requires_grad_(true);

        var layer = new LlamaDecoderLayer(config, 0);
        layer.to(dtype).to(device);
        using (no_grad())
            foreach (var parameter in layer.parameters())
                parameter.normal_(0, 0.02, generator);
        var angles = new RotaryEmbedding(config).Angles(arange(steps, device: device).unsqueeze(0).expand(rows, steps), dtype);
        var x = Random(rows, steps, config.HiddenSize);
        var oneLayer = config with { NumHiddenLayers = 1 };
        yield return Part("layer", rows * steps * Flops.ForwardPerToken(oneLayer, 0, steps / 2.0), options, device, matmulPeak,
            () => layer.call(x, angles, null, null));

        long heads = config.NumAttentionHeads, headDim = config.HeadDim;
        var (q, k, v) = (Random(rows, heads, steps, headDim), Random(rows, heads, steps, headDim), Random(rows, heads, steps, headDim));
        yield return Part("attention", rows * steps * Flops.AttentionPerToken(config, steps / 2.0), options, device, matmulPeak,
            () => nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true));

        var hidden = Random(scored, config.HiddenSize);
        // A trained head's scale (logits of a few units): unscaled, most of exp(z - max) would be subnormal, and slow.
        var head = randn([config.VocabSize, config.HiddenSize], dtype: dtype, device: device, generator: generator).mul_(0.02)
            .requires_grad_(true);
        var targets = randint(0, config.VocabSize, [scored], dtype: ScalarType.Int64, device: device, generator: generator);
        var headFlops = 2.0 * scored * config.HiddenSize * config.VocabSize;
        yield return Part("head", headFlops, options, device, matmulPeak, () => TargetLogProbs.Compute(hidden, head, targets));
        var frozenHead = head.detach();
        yield return Part("frozen_head", headFlops, options, device, matmulPeak, () => TargetLogProbs.Compute(hidden, frozenHead, targets),
            backwardPerForward: 1); // under LoRA: the hidden states' gradient only
    }

    // The backward of an output is counted as twice its forward (the inputs' and the weights' gradients), as in the train
    // benchmark's FLOPs, or as once where the weights are frozen.
    private static object Part(string name, double forwardFlops, BenchOptions options, Device device, MatmulPeak matmulPeak,
        Func<Tensor> forward, double backwardPerForward = 2)
    {
        var (forwardSeconds, _) = Timing.BestOf(options.Repeats, device, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            forward();
        });
        var (bothSeconds, _) = Timing.BestOf(options.Repeats, device, () =>
        {
            using var scope = NewDisposeScope();
            var output = forward();
            output.backward([ones_like(output)]);
        });
        var matmulPeakGflops = matmulPeak.Measure();
        return new
        {
            op = "parts",
            part = name,
            forward_ms = Math.Round(forwardSeconds * 1000, 1),
            forward_backward_ms = Math.Round(bothSeconds * 1000, 1),
            forward_gflops = Math.Round(forwardFlops / forwardSeconds / 1e9, 1),
            forward_backward_gflops = Math.Round((1 + backwardPerForward) * forwardFlops / bothSeconds / 1e9, 1),
            peak_fraction = Math.Round((1 + backwardPerForward) * forwardFlops / bothSeconds / 1e9 / matmulPeakGflops, 3), // of both
            matmul_peak_gflops = Math.Round(matmulPeakGflops, 1),
            dtype = options.DType,
        };
    }
}
