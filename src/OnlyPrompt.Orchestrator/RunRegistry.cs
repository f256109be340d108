using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>
/// The runs this process drives. On start it resumes every unfinished run found in storage (unless
/// <c>OnlyPrompt:ResumeOnStart</c> is false); StartRun adds one;
/// CancelRun stops one. On shutdown the drivers stop and their runs stay RUNNING for the next start.
/// </summary>
public sealed class RunRegistry(RunDriver driver, RunManifestStore manifests, IOptions<OrchestratorOptions> options,
    ILogger<RunRegistry> log) : BackgroundService
{
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Cancel, Task Driving)> active = new();
    private CancellationToken shutdown = CancellationToken.None;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        shutdown = stoppingToken;
        if (!options.Value.ResumeOnStart)
            return;
        foreach (var stored in await manifests.ListAsync(stoppingToken))
        {
            if (RunDriver.IsFinished(stored.Run.State))
                continue;
            log.LogInformation("resuming run {Run} ({Stages} stages committed)", stored.Run.RunId, stored.Run.Stages.Count);
            Drive(stored.Run.RunId);
        }
    }

    public void Drive(string runId)
    {
        var cancel = new CancellationTokenSource();
        lock (active)
        {
            if (active.ContainsKey(runId))
                return;
            Task driving;
            // Each run is its own trace, not a child of the StartRun call that happened to begin it.
            var previous = Activity.Current;
            Activity.Current = null;
            try
            {
                driving = Task.Run(() => RunAsync(runId, cancel));
            }
            finally
            {
                Activity.Current = previous;
            }
            active[runId] = (cancel, driving);
        }
    }

    private async Task RunAsync(string runId, CancellationTokenSource cancel)
    {
        try
        {
            await driver.DriveAsync(runId, cancel.Token, shutdown);
        }
        catch (Exception e)
        {
            log.LogError(e, "run {Run}: the driver stopped", runId);
        }
        finally
        {
            active.TryRemove(runId, out _);
            cancel.Dispose();
        }
    }

    /// <summary>Cancels a run: the driver here stops it, or (if no driver here has it) the manifest is marked cancelled directly.</summary>
    public async Task<Run?> CancelAsync(string runId, CancellationToken cancellation)
    {
        if (active.TryGetValue(runId, out var entry))
        {
            await entry.Cancel.CancelAsync();
            await entry.Driving.WaitAsync(cancellation);
            return (await manifests.TryReadAsync(runId, cancellation))?.Run;
        }
        var stored = await manifests.TryReadAsync(runId, cancellation);
        if (stored is null || RunDriver.IsFinished(stored.Run.State))
            return stored?.Run;
        var run = stored.Run.Clone();
        run.State = RunState.Cancelled;
        run.Error = "cancelled by a client.";
        run.UpdatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return (await manifests.WriteAsync(run, stored.ETag, cancellation)).Run;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(active.Values.Select(a => a.Driving)).WaitAsync(cancellationToken);
    }
}
