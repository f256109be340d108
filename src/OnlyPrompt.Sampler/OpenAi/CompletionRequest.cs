using System.Text.Json;
using System.Text.Json.Nodes;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Sampler.OpenAi;

/// <summary>
/// The fields of <c>/v1/chat/completions</c> and <c>/v1/completions</c> requests that this server honours, read with
/// errors that name the field. Unknown fields are ignored, as OpenAI-compatible servers do.
/// </summary>
public sealed record CompletionRequest(string Model, IReadOnlyList<ChatMessage>? Messages, IReadOnlyList<string>? Prompts, int? MaxTokens,
    double Temperature, double TopP, int N, long Seed, IReadOnlyList<string> Stop, int? LogProbs)
{
    public const int MaxChoices = 16;

    public static CompletionRequest ParseChat(JsonNode? body)
    {
        var request = Common(body);
        var messages = body!["messages"] as JsonArray
            ?? throw OpenAiError.Invalid("messages", "is required and must be an array of {role, content}.");
        if (messages.Count == 0)
            throw OpenAiError.Invalid("messages", "is empty.");
        var parsed = messages.Select((m, i) =>
        {
            var role = Text(m?["role"], $"messages[{i}].role") ?? throw OpenAiError.Invalid($"messages[{i}].role", "is required.");
            if (role is not ("system" or "user" or "assistant"))
                throw OpenAiError.Invalid($"messages[{i}].role", $"is '{role}'; use system, user or assistant.");
            return new ChatMessage(role, Text(m?["content"], $"messages[{i}].content")
                ?? throw OpenAiError.Invalid($"messages[{i}].content", "is required."));
        }).ToList();
        var logProbs = Boolean(body["logprobs"], "logprobs") == true ? Integer(body["top_logprobs"], "top_logprobs", 0, 20) ?? 0 : (int?)null;
        return request with
        {
            Messages = parsed,
            MaxTokens = Integer(body["max_completion_tokens"], "max_completion_tokens", 1, int.MaxValue)
                ?? Integer(body["max_tokens"], "max_tokens", 1, int.MaxValue),
            LogProbs = logProbs,
        };
    }

    public static CompletionRequest ParseCompletion(JsonNode? body)
    {
        var request = Common(body);
        var prompts = body!["prompt"] switch
        {
            JsonValue value when value.GetValueKind() == JsonValueKind.String => [value.GetValue<string>()],
            JsonArray array when array.Count > 0 => array.Select((p, i) => Text(p, $"prompt[{i}]")
                ?? throw OpenAiError.Invalid($"prompt[{i}]", "must be a string.")).ToList(),
            _ => throw OpenAiError.Invalid("prompt", "is required: a string or a non-empty array of strings."),
        };
        return request with
        {
            Prompts = prompts,
            MaxTokens = Integer(body["max_tokens"], "max_tokens", 1, int.MaxValue) ?? 16,
            LogProbs = Integer(body["logprobs"], "logprobs", 0, 20),
        };
    }

    public SamplingOptions Sampling(int maxNewTokens, IReadOnlyList<int> stopTokens) => new()
    {
        MaxNewTokens = maxNewTokens, Temperature = Temperature, TopP = TopP, Seed = Seed, StopTokenIds = stopTokens,
            StopStrings = Stop, LogProbs = LogProbs,
    };

    private static CompletionRequest Common(JsonNode? body)
    {
        if (body is not JsonObject)
            throw OpenAiError.Invalid("body", "must be a JSON object.");
        var model = Text(body["model"], "model");
        if (string.IsNullOrWhiteSpace(model))
            throw OpenAiError.Invalid("model", "is required: a checkpoint in storage as container/prefix.");
        var stop = body["stop"] switch
        {
            null => [],
            JsonValue value when value.GetValueKind() == JsonValueKind.String => [value.GetValue<string>()],
            JsonArray array => array.Select((s, i) => Text(s, $"stop[{i}]") ?? throw OpenAiError.Invalid($"stop[{i}]", "must be a string.")).ToList(),
            _ => throw OpenAiError.Invalid("stop", "must be a string or an array of strings."),
        };
        return new CompletionRequest(model, null, null, null,
            Number(body["temperature"], "temperature", 0, 2) ?? 1.0,
            Number(body["top_p"], "top_p", double.Epsilon, 1) ?? 1.0,
            Integer(body["n"], "n", 1, MaxChoices) ?? 1,
            (long?)Number(body["seed"], "seed", long.MinValue, long.MaxValue) ?? Random.Shared.NextInt64(),
            stop, null);
    }

    private static string? Text(JsonNode? node, string field) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw OpenAiError.Invalid(field, "must be a string."),
    };

    private static double? Number(JsonNode? node, string field, double min, double max)
    {
        if (node is null)
            return null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            throw OpenAiError.Invalid(field, "must be a number.");
        var number = value.GetValue<double>();
        return number >= min && number <= max ? number : throw OpenAiError.Invalid(field, $"is {number}; it must be in [{min}, {max}].");
    }

    private static int? Integer(JsonNode? node, string field, int min, int max)
    {
        var number = Number(node, field, min, max);
        return number is null ? null : number == Math.Floor(number.Value) ? (int)number.Value
            : throw OpenAiError.Invalid(field, $"is {number}; it must be an integer.");
    }

    private static bool? Boolean(JsonNode? node, string field) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        _ => throw OpenAiError.Invalid(field, "must be true or false."),
    };
}
