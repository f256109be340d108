using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OnlyPrompt.Evaluation.Judging;
using OnlyPrompt.Services.Tests.Support;

namespace OnlyPrompt.Services.Tests;

/// <summary>The services' OpenAI client over the named HttpClient with the standard resilience handler, against a loopback judge.</summary>
public sealed class OpenAiRetryTests
{
    private static readonly ChatCompletionRequest Rate = new([new ChatTurn("user", "Rate this answer.")], MaxTokens: 8);

    private static OpenAiChatClient Client(ScriptedJudge judge)
    {
        var services = new ServiceCollection().AddOpenAiHttpClient(o => o.Retry.Delay = TimeSpan.FromMilliseconds(50)).BuildServiceProvider();
        return new OpenAiChatClient(services.GetRequiredService<IHttpClientFactory>().CreateOpenAiClient(),
            new OpenAiEndpoint(judge.BaseUrl, "judge"));
    }

    [Fact]
    public async Task A429IsRetriedAfterItsRetryAfterAndA503IsRetried()
    {
        await using var judge = await ScriptedJudge.StartAsync((429, 2), (503, null));

        var reply = await Client(judge).CompleteAsync(Rate, CancellationToken.None);

        Assert.Equal("Fine. [[7]]", reply.Content);
        Assert.Equal(3, reply.CompletionTokens);
        var times = judge.Requests;
        Assert.Equal(3, times.Count);
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(1.9), $"retried {(times[1] - times[0]).TotalSeconds:F2}s after a Retry-After of 2s");
        Assert.True(times[2] - times[1] < TimeSpan.FromSeconds(1.5), "the 503 was retried after the backoff, not a Retry-After");
    }

    [Fact]
    public async Task ABadRequestIsNotRetriedAndItsErrorNamesTheServer()
    {
        await using var judge = await ScriptedJudge.StartAsync((400, null));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Client(judge).CompleteAsync(Rate, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("scripted 400", error.Message);
        Assert.Contains(judge.BaseUrl.ToString(), error.Message);
        Assert.Single(judge.Requests);
    }
}
