using System.Diagnostics;
using OnlyPrompt.Model.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Bench;

/// <summary>Model FLOPs (matmuls only, recomputation not counted, as MFU is defined) and the machine's measured matmul peak.</summary>
public static class Flops
{
    /// <summary>FLOPs of one token's forward pass.</summary>
    /// <param name="headFraction">The share of tokens whose logits are computed (the response tokens, when scoring).</param>
    /// <param name="averageKeys">Keys each query attends to on average: T/2 under a causal mask, the context when decoding.</param>
    public static double ForwardPerToken(LlamaConfig c, double headFraction, double averageKeys)
    {
        double d = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        var projections = d * q + 2 * d * kv + q * d + 3 * d * c.IntermediateSize;
        return 2 * (c.NumHiddenLayers * projections + headFraction * d * c.VocabSize) + c.NumHiddenLayers * AttentionPerToken(c, averageKeys);
    }

    /// <summary>FLOPs of one token's attention in one layer: two products (the scores and the weighted sum of values)
    /// of two FLOPs per multiply-add over every head's dimensions and keys.</summary>
    public static double AttentionPerToken(LlamaConfig c, double averageKeys) => 2 * 2.0 * c.NumAttentionHeads * c.HeadDim * averageKeys;

    /// <summary>Best GFLOP/s of an n x n by n x n matmul in <paramref name="dtype"/> over a few tries (after one warm-up).</summary>
    public static double MatmulPeakGflops(ScalarType dtype, Device device, int n = 2048, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, dtype: dtype, device: device);
        var b = randn(n, n, dtype: dtype, device: device);
        a.matmul(b).Dispose();
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            using var product = a.matmul(b);
            if (device.type == DeviceType.CUDA)
                cuda.synchronize();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
