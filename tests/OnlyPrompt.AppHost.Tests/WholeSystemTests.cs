using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using OnlyPrompt.Orchestrator.V1;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.AppHost.Tests;

/// <summary>The whole AppHost as users start it (Azurite, five services, health checks, WaitFor), ending in a real run.</summary>
public sealed class WholeSystemTests
{
    [Fact]
    public async Task The_AppHost_starts_every_service_and_runs_the_smoke_experiment_to_completion()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await using var system = await RunningAppHost.StartAsync(timeout.Token);
        var app = system.App;
        using var channel = GrpcChannel.ForAddress(app.GetEndpoint("orchestrator", "http"));
        var client = new OrchestratorClient(channel);
        // The CLI prepares the preset's world on the client and uploads it; the services see given data.
        var (exitCode, output) = await system.RunCliAsync(["run", "--preset", "smoke", "--seed", "2", "--id", "apphost-smoke",
            "--detach"], timeout.Token);
        Assert.True(exitCode == 0, output);
        Assert.Contains("world smoke, seed 2: ", output);

        Run? finished = null;
        using (var watch = client.WatchRun(new WatchRunRequest { RunId = "apphost-smoke" }, cancellationToken: timeout.Token))
            await foreach (var runEvent in watch.ResponseStream.ReadAllAsync(timeout.Token))
                if (runEvent.EventCase == RunEvent.EventOneofCase.Finished)
                    finished = runEvent.Finished;

        Assert.NotNull(finished);
        Assert.True(finished.State == RunState.Succeeded, finished.Error);
        Assert.Equal(finished.Spec.Rounds.Count, finished.Stages.Count(s => s.Name.EndsWith("/train", StringComparison.Ordinal) && s.Round > 0));
        Assert.Contains(finished.Stages, s => s.Name == "round-3/evaluate");

        // The final checkpoint answers through the Sampler's OpenAI-compatible endpoint.
        var final = finished.Stages.Single(s => s.Name == "round-3/train").Checkpoint;
        using var http = new HttpClient();
        using var answer = await http.PostAsync(new Uri(app.GetEndpoint("sampler", "openai"), "/v1/chat/completions"), new StringContent(
            $$"""{"model":"{{final.Container}}/{{final.Prefix}}","messages":[{"role":"user","content":"Sort: 3 1 2"}],"max_tokens":6,"temperature":0}""",
            System.Text.Encoding.UTF8, "application/json"), timeout.Token);
        var body = await answer.Content.ReadAsStringAsync(timeout.Token);
        Assert.True(answer.IsSuccessStatusCode, body);
        Assert.Contains("\"object\":\"chat.completion\"", body);
    }
}
