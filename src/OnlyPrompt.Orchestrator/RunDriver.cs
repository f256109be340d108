using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OnlyPrompt.Orchestrator.Reporting;
using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>
/// Drives one run to its end: every planned stage that the manifest has not committed runs, and its record is
/// committed with an ETag-conditional write before the next begins. A committed stage is never redone; if another
/// writer changed the manifest, this driver stops without committing. Host shutdown leaves the run RUNNING, to be
/// resumed by the next orchestrator; a client's cancel marks it CANCELLED.
/// </summary>
public sealed class RunDriver(RunManifestStore manifests, StageRunner stages, RunEventHub hub, ILogger<RunDriver> log)
{
    public async Task DriveAsync(string runId, CancellationToken cancelledByClient, CancellationToken shutdown)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancelledByClient, shutdown);
        if (await BeginAsync(runId, shutdown) is not { } stored)
            return;
        var run = stored.Run;
        using var runActivity = OrchestratorTelemetry.Source.StartActivity("run");
        runActivity?.SetTag("onlyprompt.run", runId);
        runActivity?.SetTag("onlyprompt.attempt", run.Attempts);
        using var rounds = new RoundActivities(runActivity);
        string? currentStage = null;
        try
        {
            foreach (var stage in RunPlan.For(run.Spec).Where(planned => run.Stages.All(committed => committed.Name != planned.Name)))
            {
                rounds.Enter(stage.Round, run);
                currentStage = stage.Name;
                (run, stored) = await CommitStageAsync(run, stored, stage, rounds.Current, runActivity, linked.Token);
            }
            run.State = RunState.Succeeded;
        }
        catch (ManifestConflictException)
        {
            log.LogWarning("run {Run}: the manifest was changed by another writer; this orchestrator stops driving it", runId);
            return;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested && !cancelledByClient.IsCancellationRequested)
        {
            log.LogInformation("run {Run}: stopping at {Stage} for shutdown; the next orchestrator resumes it", runId, currentStage);
            return;
        }
        catch (Exception e) when (cancelledByClient.IsCancellationRequested
                                  && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            run.State = RunState.Cancelled;
            run.Error = $"cancelled by a client during {currentStage}.";
        }
        catch (Exception e)
        {
            log.LogError(e, "run {Run}: stage {Stage} failed", runId, currentStage);
            run.State = RunState.Failed;
            run.Error = $"{currentStage}: {(e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message)}";
            runActivity?.SetStatus(ActivityStatusCode.Error, run.Error);
        }
        rounds.Dispose();
        await FinishAsync(run, stored);
    }

    // Marks the run RUNNING for this attempt; null when it is finished or another orchestrator took it up first.
    private async Task<StoredRun?> BeginAsync(string runId, CancellationToken shutdown)
    {
        var stored = await manifests.TryReadAsync(runId, shutdown) ?? throw new InvalidOperationException($"run {runId} has no manifest.");
        if (IsFinished(stored.Run.State))
            return null;
        var run = stored.Run.Clone();
        run.State = RunState.Running;
        run.Attempts++;
        run.UpdatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        try
        {
            return await manifests.WriteAsync(run, stored.ETag, shutdown);
        }
        catch (ManifestConflictException)
        {
            log.LogInformation("run {Run}: another orchestrator took it up first", runId);
            return null;
        }
    }

    // Runs one stage under its span and commits its record with an ETag-conditional write.
    private async Task<(Run Run, StoredRun Stored)> CommitStageAsync(Run run, StoredRun stored, PlannedStage stage, Activity? parent,
        Activity? runActivity, CancellationToken cancellation)
    {
        using var stageActivity = OrchestratorTelemetry.Source.StartActivity(stage.Name, ActivityKind.Internal, parent?.Context ?? default);
        hub.Publish(new RunEvent { RunId = run.RunId, StageStarted = stage.Name });
        var clock = Stopwatch.StartNew();
        var record = await stages.RunAsync(run, stage, p => hub.Publish(new RunEvent { RunId = run.RunId, StageProgress = p }), cancellation);
        record.Seconds = clock.Elapsed.TotalSeconds;
        record.CommittedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        Tag(stageActivity, record);
        if (stage.Kind == StageKind.Report && record.Files.TryGetValue(RunReport.MarkdownFile, out var report))
            runActivity?.SetTag("onlyprompt.report", $"{report.Container}/{report.Name}");

        run = run.Clone();
        run.Stages.Add(record);
        run.UpdatedAt = record.CommittedAt;
        stored = await manifests.WriteAsync(run, stored.ETag, CancellationToken.None);
        OrchestratorTelemetry.StagesCommitted.Add(1);
        OrchestratorTelemetry.StageSeconds.Record(record.Seconds, new KeyValuePair<string, object?>("stage", stage.Kind.ToString()));
        if (stage.Kind == StageKind.Sample)
            OrchestratorTelemetry.PairsPerSecond.Record(record.Metrics[StageMetrics.Pairs] / record.Seconds);
        hub.Publish(new RunEvent { RunId = run.RunId, StageCommitted = record });
        return (run, stored);
    }

    private async Task FinishAsync(Run run, StoredRun stored)
    {
        run = run.Clone();
        run.UpdatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        try
        {
            await manifests.WriteAsync(run, stored.ETag, CancellationToken.None);
        }
        catch (ManifestConflictException)
        {
            log.LogWarning("run {Run}: could not record its end ({State}); another writer changed the manifest", run.RunId, run.State);
            return;
        }
        hub.Publish(new RunEvent { RunId = run.RunId, Finished = run });
    }

    public static bool IsFinished(RunState state) => state is RunState.Succeeded or RunState.Failed or RunState.Cancelled;

    private static void Tag(Activity? activity, StageRecord record)
    {
        if (activity is null)
            return;
        foreach (var (name, value) in record.Metrics)
            activity.SetTag("onlyprompt." + name, value);
        foreach (var (rule, count) in record.Removed)
            activity.SetTag("onlyprompt.removed." + rule, count);
    }
}

/// <summary>The span of the round being driven: a stage of round k runs under "round k", a stage outside the rounds under the run.</summary>
internal sealed class RoundActivities(Activity? runActivity) : IDisposable
{
    private int round;
    private Activity? activity;

    /// <summary>The parent of the next stage's span.</summary>
    public Activity? Current => activity ?? runActivity;

    public void Enter(int stageRound, Run run)
    {
        if (stageRound == round)
            return;
        Dispose();
        round = stageRound;
        if (round == 0)
            return;
        activity = OrchestratorTelemetry.Source.StartActivity($"round {round}", ActivityKind.Internal, runActivity?.Context ?? default);
        activity?.SetTag("onlyprompt.round", round);
        activity?.SetTag("onlyprompt.rejected_score", RejectedScores.For(run, round));
    }

    public void Dispose()
    {
        activity?.Dispose();
        activity = null;
    }
}
