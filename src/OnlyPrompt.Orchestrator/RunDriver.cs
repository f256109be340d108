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
        var cancellation = linked.Token;
        var stored = await manifests.TryReadAsync(runId, shutdown) ?? throw new InvalidOperationException($"run {runId} has no manifest.");
        if (IsFinished(stored.Run.State))
            return;
        var run = stored.Run.Clone();
        run.State = RunState.Running;
        run.Attempts++;
        run.UpdatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        try
        {
            stored = await manifests.WriteAsync(run, stored.ETag, shutdown);
        }
        catch (ManifestConflictException)
        {
            log.LogInformation("run {Run}: another orchestrator took it up first", runId);
            return;
        }

        using var runActivity = OrchestratorTelemetry.Source.StartActivity("run");
        runActivity?.SetTag("onlyprompt.run", runId);
        runActivity?.SetTag("onlyprompt.attempt", run.Attempts);
        Activity? roundActivity = null;
        var currentRound = 0;
        string? currentStage = null;
        try
        {
            foreach (var stage in RunPlan.For(run.Spec))
            {
                if (run.Stages.Any(s => s.Name == stage.Name))
                    continue;
                if (stage.Round != currentRound)
                {
                    roundActivity?.Dispose();
                    roundActivity = null;
                    if (stage.Round > 0)
                    {
                        roundActivity = OrchestratorTelemetry.Source.StartActivity($"round {stage.Round}", ActivityKind.Internal, runActivity?.Context ?? default);
                        roundActivity?.SetTag("onlyprompt.round", stage.Round);
                        roundActivity?.SetTag("onlyprompt.rejected_score", RejectedScores.For(run, stage.Round));
                    }
                    currentRound = stage.Round;
                }
                currentStage = stage.Name;
                using var stageActivity = OrchestratorTelemetry.Source.StartActivity(stage.Name, ActivityKind.Internal, (roundActivity ?? runActivity)?.Context ?? default);
                hub.Publish(new RunEvent { RunId = runId, StageStarted = stage.Name });
                var clock = Stopwatch.StartNew();
                var record = await stages.RunAsync(run, stage, p => hub.Publish(new RunEvent { RunId = runId, StageProgress = p }), cancellation);
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
                hub.Publish(new RunEvent { RunId = runId, StageCommitted = record });
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
        catch (Exception e) when (cancelledByClient.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
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
        finally
        {
            roundActivity?.Dispose();
        }
        await FinishAsync(run, stored);
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
