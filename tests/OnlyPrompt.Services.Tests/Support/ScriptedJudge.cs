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
/// containing "UNREADABLE" gets a reply without a verdict.
/// </summary>
public sealed class ScriptedJudge : IAsyncDisposable
{
    private readonly WebApplication app;

    private ScriptedJudge(WebApplication app, Uri baseUrl) => (this.app, BaseUrl) = (app, baseUrl);

    /// <summary>The endpoint's base URL, up to and including /v1.</summary>
    public Uri BaseUrl { get; }

    public static async Task<ScriptedJudge> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var request = (await JsonNode.ParseAsync(context.Request.Body))!;
            var user = (string)request["messages"]!.AsArray().Last()!["content"]!;
            var reply = user.Contains("UNREADABLE", StringComparison.Ordinal) ? "I cannot decide."
                : !user.Contains("[Answer A]", StringComparison.Ordinal) ? "Fine. [[7]]"
                : Between(user, "[Answer A]\n", "\n[End of answer A]").Contains("REFERENCE", StringComparison.Ordinal) ? "[[B]]" : "[[A]]";
            return Results.Json(new JsonObject
            {
                ["choices"] = new JsonArray(new JsonObject { ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply }, ["finish_reason"] = "stop" }),
                ["usage"] = new JsonObject { ["completion_tokens"] = 3 },
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ScriptedJudge(app, new Uri(new Uri(address), "/v1"));
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
