using Grpc.Core;
using OnlyPrompt.Cli;

namespace OnlyPrompt.Services.Tests;

/// <summary>The CLI keeps waiting for an orchestrator that went away (restarting), says so, and gives up after its bound.</summary>
public sealed class ReconnectTests
{
    private static RpcException Unavailable() =>
        new(new Status(StatusCode.Unavailable, "Error reading next message. The response ended prematurely"));

    [Fact]
    public async Task A_call_is_retried_while_the_orchestrator_is_unavailable_and_the_user_is_told()
    {
        var log = new StringWriter();
        var attempts = 0;
        var result = await new Reconnect(TimeSpan.FromSeconds(30), log, "http://127.0.0.1:5170").CallAsync(() =>
            ++attempts < 3 ? throw Unavailable() : Task.FromResult("answered"), CancellationToken.None);

        Assert.Equal("answered", result);
        Assert.Equal(3, attempts);
        Assert.Contains("http://127.0.0.1:5170: unavailable (Error reading next message. The response ended prematurely); waiting for the " +
            "orchestrator, retrying in 1s", log.ToString());
        Assert.Contains("retrying in 2s", log.ToString());
    }

    [Fact]
    public async Task It_gives_up_after_the_bound_and_never_retries_other_errors()
    {
        var attempts = 0;
        var unavailable = await Assert.ThrowsAsync<RpcException>(() => new Reconnect(TimeSpan.Zero, TextWriter.Null, "x").CallAsync<int>(() =>
        {
            attempts++;
            throw Unavailable();
        }, CancellationToken.None));
        Assert.Equal((StatusCode.Unavailable, 1), (unavailable.StatusCode, attempts));

        var notFound = await Assert.ThrowsAsync<RpcException>(() => new Reconnect(TimeSpan.FromMinutes(1), TextWriter.Null, "x").CallAsync<int>(() =>
        {
            attempts++;
            throw new RpcException(new Status(StatusCode.NotFound, "no such run"));
        }, CancellationToken.None));
        Assert.Equal((StatusCode.NotFound, 2), (notFound.StatusCode, attempts));
    }
}
