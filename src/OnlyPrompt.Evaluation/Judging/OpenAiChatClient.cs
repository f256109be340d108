using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;

namespace OnlyPrompt.Evaluation.Judging;

/// <summary>Where a judge lives: an OpenAI-compatible server (base URL up to and including <c>/v1</c>), the model name and an optional key.</summary>
public sealed record OpenAiEndpoint(Uri BaseUrl, string Model, string? ApiKey = null);

/// <summary>
/// Chat completions from an OpenAI-compatible server through the official OpenAI client, with at most
/// <c>maxConcurrency</c> requests in flight. Retries and timeouts belong to <paramref name="http"/>'s handlers (the
/// services' named client has the standard resilience handler), so the SDK's own retry policy is switched off.
/// </summary>
public sealed class OpenAiChatClient(HttpClient http, OpenAiEndpoint endpoint, int maxConcurrency = 4) : IChatCompletions
{
    private readonly SemaphoreSlim inFlight = new(maxConcurrency);
    private readonly ChatClient client = new(endpoint.Model, new ApiKeyCredential(endpoint.ApiKey is { Length: > 0 } key ? key : "unused"),
        new OpenAIClientOptions
        {
            Endpoint = endpoint.BaseUrl,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        });

    public string Model => endpoint.Model;

    public async Task<ChatCompletion> CompleteAsync(ChatCompletionRequest request, CancellationToken cancellation)
    {
        await inFlight.WaitAsync(cancellation);
        try
        {
            var reply = (await client.CompleteChatAsync(request.Messages.Select(Message), Options(request), cancellation)).Value;
            var alternatives = reply.ContentTokenLogProbabilities.FirstOrDefault()?.TopLogProbabilities
                .Select(a => new TokenAlternative(a.Token, a.LogProbability)).ToList() ?? [];
            return new ChatCompletion(string.Concat(reply.Content.Select(part => part.Text)), FinishReason(reply.FinishReason), alternatives,
                reply.Usage?.OutputTokenCount ?? 0);
        }
        catch (ClientResultException e) when (e.Status > 0)
        {
            var body = e.GetRawResponse()?.Content.ToString() ?? e.Message;
            throw new HttpRequestException($"{endpoint.BaseUrl} answered {e.Status}: {body}", e, (System.Net.HttpStatusCode)e.Status);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static ChatCompletionOptions Options(ChatCompletionRequest request)
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = request.MaxTokens, Temperature = (float)request.Temperature };
        if (request.TopP < 1)
            options.TopP = (float)request.TopP;
#pragma warning disable OPENAI001 // the seed is marked experimental by the SDK; vLLM and our own endpoint honour it
        options.Seed = request.Seed;
#pragma warning restore OPENAI001
        if (request.TopLogProbs is { } top)
            (options.IncludeLogProbabilities, options.TopLogProbabilityCount) = (true, top);
        return options;
    }

    private static ChatMessage Message(ChatTurn turn) => turn.Role switch
    {
        "system" => new SystemChatMessage(turn.Content),
        "assistant" => new AssistantChatMessage(turn.Content),
        _ => new UserChatMessage(turn.Content),
    };

    private static string FinishReason(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Length => "length",
        ChatFinishReason.ContentFilter => "content_filter",
        ChatFinishReason.ToolCalls => "tool_calls",
        ChatFinishReason.FunctionCall => "function_call",
        _ => "stop",
    };
}
