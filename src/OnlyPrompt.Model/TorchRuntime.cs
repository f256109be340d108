using static TorchSharp.torch;

namespace OnlyPrompt.Model;

/// <summary>Chooses where tensors live and how many CPU threads libtorch uses; the device is an option, never a code fork.</summary>
public static class TorchRuntime
{
    /// <param name="device">"cpu", "cuda" or "cuda:N".</param>
    /// <param name="threads">CPU threads for libtorch's intra-op parallelism; null leaves libtorch's default.</param>
    public static Device Configure(string device = "cpu", int? threads = null)
    {
        if (threads is { } count)
        {
            if (count <= 0)
                throw new ArgumentOutOfRangeException(nameof(threads), count, "threads must be positive.");
            set_num_threads(count);
        }
        var parsed = device.Trim().ToLowerInvariant();
        if (parsed == "cpu")
            return CPU;
        if (parsed.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"device '{device}' was requested but no CUDA libtorch/GPU is available; use 'cpu' or install a CUDA " +
                    "libtorch package.", nameof(device));
            return new Device(parsed);
        }
        throw new ArgumentException($"device '{device}' is not supported; use 'cpu', 'cuda' or 'cuda:N'.", nameof(device));
    }
}
