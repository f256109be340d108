using OnlyPrompt.Answering;
using OnlyPrompt.Evaluation.Judging;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Sampler;

/// <summary>
/// Where the Sampler generates when it does not run the model itself (<c>OnlyPrompt:RemoteGeneration:BaseUrl</c>, up to
/// and including /v1). The server is asked for model <c>Model</c> when set, else for the policy as <c>container/prefix</c>,
/// the name the Sampler's own endpoint and a server that loads OnlyPrompt checkpoints by reference understand.
/// </summary>
public sealed record RemoteGenerationSettings(Uri BaseUrl, string? Model, string? ApiKey, int Concurrency)
{
    public static RemoteGenerationSettings? From(IConfiguration configuration)
    {
        var section = configuration.GetSection("OnlyPrompt:RemoteGeneration");
        if (string.IsNullOrWhiteSpace(section["BaseUrl"]))
            return null;
        if (!Uri.TryCreate(section["BaseUrl"], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"OnlyPrompt:RemoteGeneration:BaseUrl '{section["BaseUrl"]}' is not an http(s) URL.");
        var keyVariable = section["ApiKeyVariable"];
        return new RemoteGenerationSettings(url, section["Model"], string.IsNullOrEmpty(keyVariable) ? null
            : Environment.GetEnvironmentVariable(keyVariable),
            section.GetValue("Concurrency", 8));
    }

    public RemoteAnswerer Answerer(HttpClient http, Common.V1.CheckpointRef policy, CancellationToken cancellation) =>
        new(new OpenAiChatClient(http, new OpenAiEndpoint(BaseUrl, Model ?? $"{policy.Container}/{policy.Prefix}", ApiKey), Concurrency),
            cancellation);
}

/// <summary>
/// Answers through an OpenAI-compatible chat-completions server (vLLM, TGI, another Sampler) that hosts the policy,
/// one request per prompt with seed + its index, so results do not depend on batching. The server applies the
/// chat template and its stop tokens; token ids do not come back, only their count.
/// </summary>
public sealed class RemoteAnswerer(IChatCompletions server, CancellationToken cancellation) : IAnswerer
{
    private long completionTokens;

    public long GeneratedTokens => Interlocked.Read(ref completionTokens);

    public IReadOnlyList<GeneratedText> Answer(IReadOnlyList<ChatPrompt> prompts, SamplingOptions options, int batchSize,
        Action<int>? answered = null)
    {
        var done = 0;
        var requests = prompts.Select(async (prompt, i) =>
        {
            var reply = await server.CompleteAsync(new ChatCompletionRequest([.. prompt.Messages().Select(m => new ChatTurn(m.Role, m.Content))],
                options.MaxNewTokens, options.Temperature,
                TopP: options.TopP, Seed: options.Seed + i), cancellation);
            Interlocked.Add(ref completionTokens, reply.CompletionTokens);
            answered?.Invoke(Interlocked.Increment(ref done));
            return new GeneratedText(reply.Content, [], reply.FinishReason == "length" ? FinishReason.Length : FinishReason.EndOfSequence);
        });
        return Task.WhenAll(requests).GetAwaiter().GetResult();
    }
}
