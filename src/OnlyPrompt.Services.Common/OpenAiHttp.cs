using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace OnlyPrompt.Services;

/// <summary>
/// The named HttpClient through which the services call OpenAI-compatible servers (an LLM judge, remote generation):
/// the standard resilience handler retries connection failures, 408, 429 (after the server's Retry-After) and 5xx
/// with jittered exponential backoff, and bounds each attempt and the whole call. Its timeouts suit LLM calls of minutes.
/// </summary>
public static class OpenAiHttp
{
    public const string ClientName = "openai";

    public static IServiceCollection AddOpenAiHttpClient(this IServiceCollection services, Action<HttpStandardResilienceOptions>? configure = null)
    {
        services.AddHttpClient(ClientName, http => http.Timeout = Timeout.InfiniteTimeSpan).AddStandardResilienceHandler(options =>
        {
            options.Retry.MaxRetryAttempts = 5;
            options.Retry.Delay = TimeSpan.FromSeconds(1);
            options.Retry.MaxDelay = TimeSpan.FromSeconds(30);
            options.AttemptTimeout.Timeout = TimeSpan.FromMinutes(10);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(30);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(20); // at least twice the attempt timeout
            configure?.Invoke(options);
        });
        return services;
    }

    public static HttpClient CreateOpenAiClient(this IHttpClientFactory factory) => factory.CreateClient(ClientName);
}
