using System.CommandLine;
using OnlyPrompt.Cli;
using OnlyPrompt.Lab;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests;

/// <summary><c>onlyprompt-lab experiment</c> runs the Orchestrator's own plan through the services in its process.</summary>
public sealed class LabExperimentTests
{
    [Fact]
    public async Task The_lab_experiment_is_an_orchestrator_run_whose_storage_serves_the_next_one()
    {
        using var dir = new TempDirectory();
        var storage = Path.Combine(dir.Path, "lab");
        Task<int> ExperimentAsync(string id) => CliCommands.InvokeAsync(new RootCommand { ExperimentCommand.Create() },
            ["experiment", "--preset", "smoke", "--seed", "5", "--storage", storage, "--id", id, "--out", Path.Combine(dir.Path, id)]);

        Assert.Equal(0, await ExperimentAsync("first"));
        Assert.Equal(0, await ExperimentAsync("again"));

        await using var stack = await LocalStack.StartAsync(Repository.Root, Path.Combine(storage, "azurite"), Path.Combine(storage, "work"));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(stack.Orchestrator);
        var client = new OrchestratorClient(channel);
        var first = (await client.GetRunAsync(new GetRunRequest { RunId = "first" })).Run;
        var again = (await client.GetRunAsync(new GetRunRequest { RunId = "again" })).Run;
        Assert.Equal(RunState.Succeeded, first.State);
        Assert.Equal(RunPlan.For(first.Spec).Select(s => s.Name), first.Stages.Select(s => s.Name));
        Assert.True(first.Spec.LikelihoodProbe && first.Spec.Evaluation.PrefixGapEveryStage);
        // The second run computed nothing: every keyed stage is the first run's, by reference.
        Assert.All(again.Stages.Where(s => s.Key.Length > 0), s => Assert.Equal(("first", s.Name), (s.ReusedFrom?.RunId, s.Name)));
        Assert.All(new[] { "first", "again" }, id => Assert.True(File.Exists(Path.Combine(dir.Path, id, "report.md")), id));
    }
}
