using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Bench;

/// <summary>The best of --repeats timed runs after one warm-up.</summary>
public static class Timing
{
    /// <returns>
    /// The best run's seconds, and the growth of resident memory from after the warm-up to after the timed runs, which
    /// would be a leak.
    /// </returns>
    public static (double Seconds, double RssGrowthMegabytes) BestOf(int repeats, Device device, Action run)
    {
        RunToCompletion(run, device); // warm-up: first-call allocations and kernel selection
        var afterWarmUp = Memory.CurrentRssMegabytes();
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            RunToCompletion(run, device);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return (best, Math.Round(Memory.CurrentRssMegabytes() - afterWarmUp, 1));
    }

    // A CUDA kernel returns before it is done; waiting for the device makes the clock time the work.
    private static void RunToCompletion(Action run, Device device)
    {
        run();
        if (device.type == DeviceType.CUDA)
            cuda.synchronize();
    }
}
