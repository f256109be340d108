using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Orchestrator;

/// <summary>The public face of OnlyPrompt: start, watch, inspect and cancel runs.</summary>
public sealed class OrchestratorService(RunSpecValidation validation, RunManifestStore manifests, RunRegistry registry, RunEventHub hub)
    : V1.Orchestrator.OrchestratorBase
{
    public override async Task<StartRunResponse> StartRun(StartRunRequest request, ServerCallContext context)
    {
        var runId = request.RunId.Length > 0 ? request.RunId : $"run-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        new FieldErrors().Check(StorageLayout.IsValidRunId(runId), "run_id", "must be 1-63 letters, digits or '-'.").ThrowIfAny();
        await validation.ValidateAsync(request.Spec, context.CancellationToken);
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        var run = new Run { RunId = runId, Spec = request.Spec, State = RunState.Pending, CreatedAt = now, UpdatedAt = now };
        try
        {
            await manifests.CreateAsync(run, context.CancellationToken);
        }
        catch (ManifestConflictException)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"run_id: run {runId} already exists."));
        }
        registry.Drive(runId);
        return new StartRunResponse { Run = run };
    }

    public override async Task WatchRun(WatchRunRequest request, IServerStreamWriter<RunEvent> responses, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        using var subscription = hub.Subscribe(request.RunId);
        var run = await ReadAsync(request.RunId, cancellation);
        var sent = new HashSet<string>();
        foreach (var stage in run.Stages)
        {
            sent.Add(stage.Name);
            await responses.WriteAsync(new RunEvent { RunId = run.RunId, StageCommitted = stage }, cancellation);
        }
        if (RunDriver.IsFinished(run.State))
        {
            await responses.WriteAsync(new RunEvent { RunId = run.RunId, Finished = run }, cancellation);
            return;
        }
        using var poll = new PeriodicTimer(TimeSpan.FromSeconds(5));
        var next = subscription.Reader.ReadAsync(cancellation).AsTask();
        var tick = poll.WaitForNextTickAsync(cancellation).AsTask();
        while (true)
        {
            if (await Task.WhenAny(next, tick) == next)
            {
                var runEvent = await next;
                if (runEvent.EventCase != RunEvent.EventOneofCase.StageCommitted || sent.Add(runEvent.StageCommitted.Name))
                    await responses.WriteAsync(runEvent, cancellation);
                if (runEvent.EventCase == RunEvent.EventOneofCase.Finished)
                    return;
                next = subscription.Reader.ReadAsync(cancellation).AsTask();
                continue;
            }
            // The run may be driven by another orchestrator (or this one may have restarted): the manifest is the truth.
            run = await ReadAsync(request.RunId, cancellation);
            foreach (var stage in run.Stages.Where(s => sent.Add(s.Name)))
                await responses.WriteAsync(new RunEvent { RunId = run.RunId, StageCommitted = stage }, cancellation);
            if (RunDriver.IsFinished(run.State))
            {
                await responses.WriteAsync(new RunEvent { RunId = run.RunId, Finished = run }, cancellation);
                return;
            }
            tick = poll.WaitForNextTickAsync(cancellation).AsTask();
        }
    }

    public override async Task<GetRunResponse> GetRun(GetRunRequest request, ServerCallContext context) =>
        new() { Run = await ReadAsync(request.RunId, context.CancellationToken) };

    public override async Task<ListRunsResponse> ListRuns(ListRunsRequest request, ServerCallContext context) =>
        new() { Runs = { (await manifests.ListAsync(context.CancellationToken)).Select(r => r.Run) } };

    public override async Task<CancelRunResponse> CancelRun(CancelRunRequest request, ServerCallContext context)
    {
        await ReadAsync(request.RunId, context.CancellationToken);
        var run = await registry.CancelAsync(request.RunId, context.CancellationToken);
        return new CancelRunResponse { Run = run };
    }

    private async Task<Run> ReadAsync(string runId, CancellationToken cancellation)
    {
        new FieldErrors().Check(StorageLayout.IsValidRunId(runId), "run_id", "must be 1-63 letters, digits or '-'.").ThrowIfAny();
        return (await manifests.TryReadAsync(runId, cancellation))?.Run
               ?? throw new RpcException(new Status(StatusCode.NotFound, $"run_id: no run {runId}."));
    }
}
