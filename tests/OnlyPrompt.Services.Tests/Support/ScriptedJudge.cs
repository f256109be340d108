using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>
/// An OpenAI-compatible chat endpoint on loopback whose verdicts are known in advance, so scoring by a judge can be
/// checked number for number: ratings are [[7]]; in a comparison the answer without "REFERENCE" wins; an instruction
/// containing "UNREADABLE" gets a reply without a verdict. The first requests can be refused as scripted (a 429 with
/// Retry-After, a 503), to see that clients retry.
/// </summary>
public sealed class ScriptedJudge : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> requests = new();

    private ScriptedJudge(WebApplication app) => this.app = app;

    /// <summary>The endpoint's base URL, up to and including /v1.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>When each request arrived, refused ones included.</summary>
    public IReadOnlyList<DateTimeOffset> Requests => [.. requests];

    public static async Task<ScriptedJudge> StartAsync(params (int Status, int? RetryAfterSeconds)[] refuseFirst)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        var app = builder.Build();
        var refusals = new System.Collections.Concurrent.ConcurrentQueue<(int Status, int? RetryAfterSeconds)>(refuseFirst);
        var judge = new ScriptedJudge(app);
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            judge.requests.Enqueue(DateTimeOffset.UtcNow);
            if (refusals.TryDequeue(out var refusal))
            {
                if (refusal.RetryAfterSeconds is { } seconds)
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Json(new JsonObject { ["error"] = new JsonObject { ["message"] = $"scripted {refusal.Status}" } },
                    statusCode: refusal.Status);
            }
            var request = (await JsonNode.ParseAsync(context.Request.Body))!;
            var user = (string)request["messages"]!.AsArray().Last()!["content"]!;
            var reply = user.Contains("UNREADABLE", StringComparison.Ordinal) ? "I cannot decide."
                : !user.Contains("[Answer A]", StringComparison.Ordinal) ? "Fine. [[7]]"
                : Between(user, "[Answer A]\n", "\n[End of answer A]").Contains("REFERENCE", StringComparison.Ordinal) ? "[[B]]" : "[[A]]";
            return Results.Json(new JsonObject
            {
                ["choices"] = new JsonArray(new JsonObject { ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply },
                    ["finish_reason"] = "stop" }),
                ["usage"] = new JsonObject { ["completion_tokens"] = 3 },
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        judge.BaseUrl = new Uri(new Uri(address), "/v1");
        return judge;
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
