using Grpc.Core;

namespace OnlyPrompt.Services;

/// <summary>
/// Forwards progress reported from a worker thread to a gRPC response stream without ever writing concurrently:
/// while one write is in flight, later reports replace each other and only the newest is sent next.
/// </summary>
public sealed class ProgressStream<TEvent>(IAsyncStreamWriter<TEvent> stream) where TEvent : class
{
    private readonly Lock gate = new();
    private Task writing = Task.CompletedTask;
    private TEvent? pending;
    private bool draining;

    public void Report(TEvent done)
    {
        lock (gate)
        {
            pending = done;
            if (!draining)
            {
                draining = true;
                writing = DrainAsync();
            }
        }
    }

    /// <summary>Waits until every reported value has been written (or superseded).</summary>
    public async Task FlushAsync(CancellationToken cancellation)
    {
        Task current;
        lock (gate)
            current = writing;
        await current.WaitAsync(cancellation);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            TEvent done;
            lock (gate)
            {
                if (pending is null)
                {
                    draining = false;
                    return;
                }
                done = pending;
                pending = null;
            }
            try
            {
                await stream.WriteAsync(done);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or RpcException)
            {
                lock (gate)
                    (pending, draining) = (null, false);
                return; // the caller went away; the call itself ends with cancellation.
            }
        }
    }
}
