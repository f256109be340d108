using Grpc.Core;
using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Orchestrator.V1;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests.Support;

public static class Runs
{
    public static RunSpec Smoke(int seed = 1) => RunSpecs.FromExperiment(ExperimentOptions.Preset("smoke", seed));

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
                throw new TimeoutException($"run {runId} did not reach the condition in {timeout}; it has {string.Join(", ", run.Stages.Select(s => s.Name))} ({run.State}).");
            await Task.Delay(100);
        }
    }
}
