using Grpc.Core;
using Microsoft.Extensions.Options;

namespace OnlyPrompt.Orchestrator;

/// <summary>
/// Calls a service again, with exponential backoff, while it fails the way a restarting service fails
/// (Unavailable, Unknown, Aborted, Internal transport errors); bad requests and bad data fail at once.
/// </summary>
public sealed class RetryingCalls(IOptions<RetryOptions> options, ILogger<RetryingCalls> log)
{
    private readonly RetryOptions settings = options.Value;

    public TimeSpan Deadline => settings.Deadline;

    public async Task<T> CallAsync<T>(string what, Func<DateTime, CancellationToken, Task<T>> call, CancellationToken cancellation)
    {
        var delay = settings.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(DateTime.UtcNow + settings.Deadline, cancellation);
            }
            catch (RpcException e) when (IsRetryable(e.StatusCode) && attempt < settings.Attempts && !cancellation.IsCancellationRequested)
            {
                log.LogWarning("{What}: attempt {Attempt} of {Attempts} failed ({Code}: {Detail}); retrying in {Delay}",
                    what, attempt, settings.Attempts, e.StatusCode, e.Status.Detail, delay);
                await Task.Delay(delay, cancellation);
                delay = TimeSpan.FromTicks(Math.Min(settings.MaxDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    private static bool IsRetryable(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Unknown or StatusCode.Aborted or StatusCode.Internal;
}
