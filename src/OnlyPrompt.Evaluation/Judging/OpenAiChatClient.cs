using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Evaluation.Judging;

/// <summary>Where a judge lives: an OpenAI-compatible server (base URL up to and including <c>/v1</c>), the model name and an optional key.</summary>
public sealed record OpenAiEndpoint(Uri BaseUrl, string Model, string? ApiKey = null);

public sealed record OpenAiClientOptions
{
    public int MaxConcurrency { get; init; } = 4;
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Calls <c>POST {base}/chat/completions</c> with at most <see cref="OpenAiClientOptions.MaxConcurrency"/> requests in
/// flight, retrying connection failures, 429 and 5xx answers with exponential backoff (or the server's Retry-After).
/// </summary>
public sealed class OpenAiChatClient(HttpClient http, OpenAiEndpoint endpoint, OpenAiClientOptions? options = null) : IChatCompletions
{
    private readonly OpenAiClientOptions options = options ?? new();
    private readonly SemaphoreSlim inFlight = new((options ?? new()).MaxConcurrency);

    public string Model => endpoint.Model;

    public async Task<ChatCompletion> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellation)
    {
        var body = RequestBody(request);
        var url = new Uri(endpoint.BaseUrl.ToString().TrimEnd('/') + "/chat/completions");
        var delay = options.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            await inFlight.WaitAsync(cancellation);
            TimeSpan? retryAfter;
            string failure;
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
                if (endpoint.ApiKey is { Length: > 0 } key)
                    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await http.SendAsync(message, cancellation);
                var text = await response.Content.ReadAsStringAsync(cancellation);
                if (response.IsSuccessStatusCode)
                    return Parse(text, url);
                if (response.StatusCode != HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500)
                    throw new HttpRequestException($"{url} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
                failure = $"{(int)response.StatusCode}: {text}";
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException e) when (e.StatusCode is null)
            {
                failure = e.Message;
                retryAfter = null;
            }
            catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
            {
                failure = "timed out: " + e.Message;
                retryAfter = null;
            }
            finally
            {
                inFlight.Release();
            }
            if (attempt >= options.MaxAttempts)
                throw new HttpRequestException($"{url}: gave up after {attempt} attempts; last: {failure}");
            await Task.Delay(retryAfter ?? delay, cancellation);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxDelay.Ticks));
        }
    }

    private JsonObject RequestBody(ChatCompletionRequest request)
    {
        var body = new JsonObject
        {
            ["model"] = endpoint.Model,
            ["messages"] = new JsonArray(request.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
            ["max_tokens"] = request.MaxTokens,
            ["temperature"] = request.Temperature,
        };
        if (request.TopP < 1)
            body["top_p"] = request.TopP;
        if (request.Seed is { } seed)
            body["seed"] = seed;
        if (request.TopLogProbs is { } top)
        {
            body["logprobs"] = true;
            body["top_logprobs"] = top;
        }
        return body;
    }

    private static ChatCompletion Parse(string json, Uri url)
    {
        try
        {
            var root = JsonNode.Parse(json)!;
            var choice = root["choices"]![0]!;
            var first = choice["logprobs"]?["content"]?.AsArray().FirstOrDefault();
            var alternatives = first?["top_logprobs"]?.AsArray()
                .Select(a => new TokenAlternative(a!["token"]!.GetValue<string>(), a["logprob"]!.GetValue<double>())).ToList() ?? [];
            var completionTokens = root["usage"]?["completion_tokens"]?.GetValue<int>() ?? 0;
            return new ChatCompletion(choice["message"]!["content"]?.GetValue<string>() ?? "", choice["finish_reason"]?.GetValue<string>() ?? "", alternatives, completionTokens);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or System.Text.Json.JsonException or ArgumentOutOfRangeException)
        {
            throw new FormatException($"{url}: not a chat completion: {json[..Math.Min(json.Length, 500)]}", e);
        }
    }
}
