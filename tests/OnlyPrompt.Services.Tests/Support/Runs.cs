using Grpc.Core;
using OnlyPrompt.Cli;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;
using OnlyPrompt.Worlds;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests.Support;

public static class Runs
{
    /// <summary>The smoke preset's spec with its world uploaded to <paramref name="store"/>, as <c>onlyprompt run --preset smoke</c> starts it.</summary>
    public static async Task<RunSpec> SmokeAsync(BlobStore store, int seed = 1)
    {
        var options = ExperimentOptions.Preset("smoke", seed);
        var spec = RunSpecs.FromExperiment(options);
        spec.Given = await WorldUpload.PrepareAsync(options, store, StorageLayout.DefaultContainer, TextWriter.Null, CancellationToken.None);
        return spec;
    }

    /// <summary>Watches the run until it ends and returns its final manifest.</summary>
    public static async Task<Run> WatchToEndAsync(OrchestratorClient client, string runId, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var call = client.WatchRun(new WatchRunRequest { RunId = runId }, cancellationToken: cancel.Token);
        await foreach (var runEvent in call.ResponseStream.ReadAllAsync(cancel.Token))
            if (runEvent.EventCase == RunEvent.EventOneofCase.Finished)
                return runEvent.Finished;
        throw new InvalidOperationException($"the watch of {runId} ended without a finished event.");
    }

    /// <summary>Polls the manifest until <paramref name="condition"/> holds.</summary>
    public static async Task<Run> WaitForAsync(OrchestratorClient client, string runId, Func<Run, bool> condition, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var run = (await client.GetRunAsync(new GetRunRequest { RunId = runId })).Run;
            if (condition(run))
                return run;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"run {runId} did not reach the condition in {timeout}; it has " +
                    $"{string.Join(", ", run.Stages.Select(s => s.Name))} ({run.State}).");
            await Task.Delay(100);
        }
    }
}
