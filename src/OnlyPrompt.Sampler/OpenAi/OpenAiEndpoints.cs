using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Sampler.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c> (with log-probs) over checkpoints in storage, for
/// LLM judges, external harnesses (AlpacaEval, MT-Bench, lm-evaluation-harness) and scripts. They are served on the
/// service's HTTP/1.1 port (<c>OnlyPrompt:HttpPort</c>), since cleartext gRPC needs its port to be HTTP/2-only.
/// </summary>
public static class OpenAiEndpoints
{
    public static WebApplication MapOpenAiEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/v1");
        api.MapPost("/chat/completions", (HttpContext http, OpenAiCompletions completions) =>
            AnswerAsync(http, body => completions.ChatAsync(CompletionRequest.ParseChat(body), http.RequestAborted)));
        api.MapPost("/completions", (HttpContext http, OpenAiCompletions completions) =>
            AnswerAsync(http, body => completions.CompleteAsync(CompletionRequest.ParseCompletion(body), http.RequestAborted)));
        return app;
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, Func<JsonNode?, Task<object>> answer)
    {
        try
        {
            JsonNode? body;
            try
            {
                body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            }
            catch (JsonException e)
            {
                throw OpenAiError.Invalid("body", $"is not JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {e.Message}");
            }
            if (body?["stream"]?.GetValueKind() == JsonValueKind.True)
                throw OpenAiError.Invalid("stream", "streaming is not supported; leave it out or set it to false.");
            return Results.Json(await answer(body));
        }
        catch (OpenAiError e)
        {
            return Results.Json(e.Body, statusCode: e.Status);
        }
    }
}
