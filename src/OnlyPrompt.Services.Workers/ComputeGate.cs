namespace OnlyPrompt.Services;

/// <summary>
/// One model job at a time per process: libtorch already uses every core for one job, so concurrent calls
/// queue here instead of thrashing the CPU and multiplying memory.
/// </summary>
public sealed class ComputeGate
{
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Runs <paramref name="work"/> on a worker thread once the gate is free.</summary>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellation)
    {
        await gate.WaitAsync(cancellation);
        try
        {
            return await Task.Run(work, cancellation);
        }
        finally
        {
            gate.Release();
        }
    }
}
