using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Model;

/// <summary>
/// The fastest safe precision on a device: bf16 where the hardware computes it natively (CPUs with AVX512-BF16 or AMX,
/// which libtorch's oneDNN uses; CUDA devices), fp32 elsewhere, where bf16 is emulated and slower. Inference (sampling,
/// scoring) runs in that dtype; training computes in bf16 only as mixed precision, with fp32 master weights and AdamW
/// state (OnlyPrompt.Training's MasterWeights).
/// </summary>
public static class Precision
{
    /// <summary>True on CUDA and on CPUs with AVX512-BF16 or AMX.</summary>
    public static bool HasFastBf16(Device device) => device.type == DeviceType.CUDA || CpuHasFastBf16();

    public static ScalarType ForInference(Device device) => HasFastBf16(device) ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>True when /proc/cpuinfo lists avx512_bf16 or amx_bf16.</summary>
    public static bool CpuHasFastBf16() => CpuFlags.Value.Contains("avx512_bf16") || CpuFlags.Value.Contains("amx_bf16");

    private static readonly Lazy<HashSet<string>> CpuFlags = new(() => File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? []
        : []);
}
