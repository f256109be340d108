using System.Diagnostics;
using Grpc.Core;

namespace OnlyPrompt.Cli;

/// <summary>
/// Calls the orchestrator again, with backoff, while it cannot be reached (restarting after a crash, say), telling the
/// user it is waiting; gives up once <paramref name="bound"/> has passed without an answer.
/// </summary>
public sealed class Reconnect(TimeSpan bound, TextWriter log, string address)
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1), LongestDelay = TimeSpan.FromSeconds(15);

    public Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellation) => CallAsync(_ => call(), cancellation);

    /// <summary>The call gets an action to invoke whenever it makes progress (a watch receiving events), which restarts the bound.</summary>
    public async Task<T> CallAsync<T>(Func<Action, Task<T>> call, CancellationToken cancellation)
    {
        var waiting = Stopwatch.StartNew();
        var delay = FirstDelay;
        void Progress()
        {
            waiting.Restart();
            delay = FirstDelay;
        }
        while (true)
        {
            try
            {
                return await call(Progress);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && waiting.Elapsed < bound && !cancellation.IsCancellationRequested)
            {
                log.WriteLine($"{address}: unavailable ({e.Status.Detail}); waiting for the orchestrator, retrying in {delay.TotalSeconds:F0}s " +
                              $"(giving up after {bound.TotalSeconds:F0}s without an answer; --reconnect-seconds)");
                await Task.Delay(delay, cancellation);
                delay = delay * 2 < LongestDelay ? delay * 2 : LongestDelay;
            }
        }
    }
}
