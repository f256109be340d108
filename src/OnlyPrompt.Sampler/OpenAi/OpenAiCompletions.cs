using OnlyPrompt.Common.V1;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Sampler.OpenAi;

/// <summary>
/// Answers OpenAI-style completion requests with a checkpoint from storage, named as <c>container/prefix</c>
/// (the folder holding its index.json), e.g. <c>onlyprompt/runs/my-run/round-3/checkpoint</c>.
/// </summary>
public sealed class OpenAiCompletions(BlobStore store, ResidentModel resident, ComputeGate gate)
{
    public async Task<object> ChatAsync(CompletionRequest request, CancellationToken cancellation)
    {
        var checkpoint = await ResolveAsync(request.Model, cancellation);
        var (choices, promptTokens, completionTokens) = await gate.RunAsync(() => resident.Use(checkpoint, model =>
        {
            var rendered = model.Template.Render(request.Messages!);
            var (generated, prompt) = Generate(model, rendered, request, "messages");
            return (generated.Select((g, i) => (object)new
            {
                index = i,
                message = new { role = "assistant", content = g.Text },
                logprobs = g.LogProbs is null ? null : new
                {
                    content = g.LogProbs.Select(t => new
                    {
                        token = Piece(model, t.Token), logprob = t.LogProb,
                        top_logprobs = t.Top.Select(a => new { token = Piece(model, a.Token), logprob = a.LogProb }).ToArray(),
                    }).ToArray(),
                },
                finish_reason = FinishReasonName(g.FinishReason),
            }).ToList(), prompt, generated.Sum(g => g.Tokens.Length));
        }, cancellation), cancellation);
        return Envelope("chatcmpl", "chat.completion", request.Model, choices, promptTokens, completionTokens);
    }

    public async Task<object> CompleteAsync(CompletionRequest request, CancellationToken cancellation)
    {
        var checkpoint = await ResolveAsync(request.Model, cancellation);
        var (choices, promptTokens, completionTokens) = await gate.RunAsync(() => resident.Use(checkpoint, model =>
        {
            var choices = new List<object>();
            var (promptTokens, completionTokens) = (0, 0);
            for (var p = 0; p < request.Prompts!.Count; p++)
            {
                var (generated, prompt) = Generate(model, request.Prompts[p], request, request.Prompts.Count == 1 ? "prompt" : $"prompt[{p}]");
                promptTokens += prompt;
                completionTokens += generated.Sum(g => g.Tokens.Length);
                choices.AddRange(generated.Select(g => (object)new
                {
                    index = choices.Count, text = g.Text, logprobs = g.LogProbs is null ? null : LegacyLogProbs(model, g),
                        finish_reason = FinishReasonName(g.FinishReason),
                }));
            }
            return (choices, promptTokens, completionTokens);
        }, cancellation), cancellation);
        return Envelope("cmpl", "text_completion", request.Model, choices, promptTokens, completionTokens);
    }

    private async Task<CheckpointRef> ResolveAsync(string model, CancellationToken cancellation)
    {
        var slash = model.IndexOf('/');
        if (slash <= 0 || slash == model.Length - 1)
            throw OpenAiError.Invalid("model", $"'{model}' is not a checkpoint reference; use container/prefix, e.g. " +
                "onlyprompt/runs/RUN/round-1/checkpoint.");
        var (container, prefix) = (model[..slash], model[(slash + 1)..].TrimEnd('/'));
        var index = await store.TryDescribeAsync(container, $"{prefix}/{BlobStore.CheckpointIndexFile}", cancellation)
            ?? throw new OpenAiError(StatusCodes.Status404NotFound, "invalid_request_error", "model",
                $"model: no checkpoint at {container}/{prefix} (no {BlobStore.CheckpointIndexFile}).");
        return new CheckpointRef { Container = container, Prefix = prefix, Sha256 = index.Sha256 };
    }

    private static (IReadOnlyList<GeneratedText> Generated, int PromptTokens) Generate(PretrainedModel model, string prompt,
        CompletionRequest request, string promptField)
    {
        var promptTokens = model.Tokenizer.Encode(prompt, addSpecialTokens: false).Length;
        if (promptTokens == 0)
            throw OpenAiError.Invalid(promptField, "encodes to no tokens.");
        var room = model.Model.Config.MaxSequenceLength - promptTokens;
        if (room <= 0)
            throw OpenAiError.Invalid(promptField, $"has {promptTokens} tokens; the model's context is {model.Model.Config.MaxSequenceLength}.");
        if (request.MaxTokens > room)
            throw OpenAiError.Invalid("max_tokens", $"is {request.MaxTokens}, but the prompt ({promptTokens} tokens) leaves room for {room} in the " +
                $"model's context of {model.Model.Config.MaxSequenceLength}.");
        var options = request.Sampling(request.MaxTokens ?? room, model.StopTokenIds);
        return (model.TextGenerator().Generate(Enumerable.Repeat(prompt, request.N).ToList(), options), promptTokens);
    }

    private static object LegacyLogProbs(PretrainedModel model, GeneratedText generated)
    {
        var tokens = generated.LogProbs!.Select(t => Piece(model, t.Token)).ToList();
        var offsets = new List<int>();
        var offset = 0;
        foreach (var token in tokens)
        {
            offsets.Add(offset);
            offset += token.Length;
        }
        return new
        {
            tokens, token_logprobs = generated.LogProbs!.Select(t => t.LogProb).ToList(),
            top_logprobs = generated.LogProbs!.Select(t =>
                t.Top.GroupBy(a => Piece(model, a.Token)).ToDictionary(g => g.Key, g => g.Max(a => a.LogProb))).ToList(),
            text_offset = offsets,
        };
    }

    private static string Piece(PretrainedModel model, int token) => model.Tokenizer.Decode([token]);

    private static string FinishReasonName(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    private static object Envelope(string idPrefix, string kind, string model, IReadOnlyList<object> choices, int promptTokens,
        int completionTokens) => new
    {
        id = $"{idPrefix}-{Guid.NewGuid():N}", @object = kind, created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, choices,
        usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
    };
}
