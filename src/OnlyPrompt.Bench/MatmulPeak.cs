using static TorchSharp.torch;

namespace OnlyPrompt.Bench;

/// <summary>
/// The machine's matmul peak in one dtype, the best reading so far. A benchmark takes a reading before it runs and
/// another when it reports: on a shared machine one reading can come out low (another process on a core), and a low
/// peak would overstate every fraction of it.
/// </summary>
public sealed class MatmulPeak(ScalarType dtype, Device device)
{
    private double best;

    /// <summary>Measures once more (<see cref="Flops.MatmulPeakGflops"/>) and returns the best reading, in GFLOP/s.</summary>
    public double Measure() => best = Math.Max(best, Flops.MatmulPeakGflops(dtype, device));
}
