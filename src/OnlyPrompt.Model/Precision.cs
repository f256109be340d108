using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Model;

/// <summary>
/// The fastest safe dtype for inference (sampling, scoring) on a device: bf16 where the hardware computes it natively
/// (CPUs with AVX512-BF16 or AMX, which libtorch's oneDNN uses; CUDA devices), fp32 elsewhere, where bf16 is emulated
/// and slower. Training computes in bf16 only under mixed precision, with fp32 master weights (OnlyPrompt.Training's MasterWeights).
/// </summary>
public static class Precision
{
    public static ScalarType ForInference(Device device) =>
        device.type == DeviceType.CUDA || CpuHasFastBf16() ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>True when /proc/cpuinfo lists avx512_bf16 or amx_bf16.</summary>
    public static bool CpuHasFastBf16() => CpuFlags.Value.Contains("avx512_bf16") || CpuFlags.Value.Contains("amx_bf16");

    private static readonly Lazy<HashSet<string>> CpuFlags = new(() => File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? []
        : []);
}
