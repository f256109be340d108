using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Orchestrator.Reuse;

/// <summary>How stages are shared between runs (configuration section <c>OnlyPrompt:Reuse</c>).</summary>
public sealed class ReuseOptions
{
    public const string Section = "OnlyPrompt:Reuse";

    /// <summary>How long a claim holds without renewal; a run waiting for a crashed one takes over after it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a waiting run looks at the claim again.</summary>
    public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Committed stages of every run by key (<c>stages/{key}.json</c>). Before computing a keyed stage a run claims the key
/// with a create-if-absent write and renews its lease while it computes; another run that reaches the key waits, then
/// takes the committed record by reference, or takes the claim over once the lease ran out (its holder crashed). Every
/// write is ETag-conditional, so two orchestrator processes never both hold a key.
/// </summary>
public sealed class SharedStages(BlobStore store, IOptions<ReuseOptions> options, ILogger<SharedStages> log)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private static readonly string Process = Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// The record of the stage with <paramref name="key"/>: taken from storage when committed (with
    /// <see cref="StageRecord.ReusedFrom"/> set unless this same stage of this same run committed it), else computed here.
    /// </summary>
    public async Task<StageRecord> ComputeOnceAsync(string key, StageOrigin origin, Func<CancellationToken, Task<StageRecord>> compute,
        CancellationToken cancellation)
    {
        var blob = (await store.ContainerAsync(StorageLayout.DefaultContainer, cancellation)).GetBlobClient(StorageLayout.SharedStage(key));
        var owner = $"{Process}/{origin.RunId}/{origin.Stage}/{Guid.NewGuid():N}";
        var waitingFor = "";
        while (true)
        {
            var (shared, etag) = await ReadAsync(blob, cancellation);
            if (shared?.Record is { } committed)
                return Reused(committed, shared.Origin, origin);
            // A claim of this same stage of this same run is this run's own, left by an attempt that died: only one driver
            // holds a run at a time, so it is taken over at once.
            var ownEarlierClaim = shared is not null && shared.Origin.Equals(origin);
            if (shared is not null && !ownEarlierClaim && shared.LeaseExpires.ToDateTimeOffset() > DateTimeOffset.UtcNow)
            {
                if (waitingFor != shared.Owner)
                    log.LogInformation("{Run} {Stage}: waiting for run {Other}'s {OtherStage}, which computes the same stage (key {Key})",
                        origin.RunId, origin.Stage, shared.Origin.RunId, shared.Origin.Stage, key[..12]);
                waitingFor = shared.Owner;
                await Task.Delay(options.Value.Poll, cancellation);
                continue;
            }
            if (shared is not null && !ownEarlierClaim)
                log.LogWarning("{Run} {Stage}: the lease of run {Other}'s {OtherStage} on key {Key} ran out; computing it here",
                    origin.RunId, origin.Stage, shared.Origin.RunId, shared.Origin.Stage, key[..12]);
            var claim = new SharedStage { Key = key, Origin = origin, Owner = owner, LeaseExpires = LeaseEnd() };
            if (await TryWriteAsync(blob, claim, etag, cancellation) is not { } claimed)
                continue; // another run claimed it first: look again
            return await ComputeHoldingLeaseAsync(blob, claim, claimed, compute, cancellation);
        }
    }

    private async Task<StageRecord> ComputeHoldingLeaseAsync(BlobClient blob, SharedStage claim, ETag claimed, Func<CancellationToken,
        Task<StageRecord>> compute,
        CancellationToken cancellation)
    {
        var etag = claimed;
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewAsync();
        StageRecord record;
        try
        {
            record = await compute(cancellation);
        }
        catch
        {
            await stopRenewing.CancelAsync();
            await renewing;
            // Let a waiting run take over now rather than after the lease; a crash without this leaves it to the lease.
            await TryReleaseAsync(blob, etag);
            throw;
        }
        await stopRenewing.CancelAsync();
        await renewing;
        var done = new SharedStage { Key = claim.Key, Origin = claim.Origin, Owner = claim.Owner, Record = record };
        if (await TryWriteAsync(blob, done, etag, CancellationToken.None) is null)
            log.LogWarning("{Run} {Stage}: lost the claim on key {Key} while computing (a stall past the lease); keeping its own result",
                claim.Origin.RunId, claim.Origin.Stage, claim.Key[..12]);
        return record;

        async Task RenewAsync()
        {
            try
            {
                while (true)
                {
                    await Task.Delay(options.Value.Lease / 3, stopRenewing.Token);
                    claim.LeaseExpires = LeaseEnd();
                    // Not cancelled mid-write: a renewal that lands must also be known here, or the final write would miss.
                    etag = await TryWriteAsync(blob, claim, etag, CancellationToken.None) ?? etag;
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (RequestFailedException e)
            {
                log.LogWarning("{Run} {Stage}: could not renew the lease on key {Key}: {Error}", claim.Origin.RunId, claim.Origin.Stage,
                    claim.Key[..12], e.Message);
            }
        }
    }

    private static StageRecord Reused(StageRecord committed, StageOrigin from, StageOrigin to)
    {
        var record = committed.Clone();
        if (from.RunId != to.RunId || from.Stage != to.Stage)
            record.ReusedFrom = from.Clone();
        return record;
    }

    private Timestamp LeaseEnd() => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow + options.Value.Lease);

    private static async Task<(SharedStage? Shared, ETag ETag)> ReadAsync(BlobClient blob, CancellationToken cancellation)
    {
        try
        {
            var content = (await blob.DownloadContentAsync(cancellation)).Value;
            return (SharedStage.Parser.ParseJson(content.Content.ToString()), content.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, default);
        }
    }

    /// <summary>Writes if the blob is still as read (absent when <paramref name="read"/> is default); null when another writer came first.</summary>
    private static async Task<ETag?> TryWriteAsync(BlobClient blob, SharedStage shared, ETag read, CancellationToken cancellation)
    {
        var conditions = read == default ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = read };
        try
        {
            return (await blob.UploadAsync(BinaryData.FromString(Formatter.Format(shared)), new BlobUploadOptions { Conditions = conditions },
                cancellation)).Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    private async Task TryReleaseAsync(BlobClient blob, ETag held)
    {
        try
        {
            await blob.DeleteIfExistsAsync(conditions: new BlobRequestConditions { IfMatch = held });
        }
        catch (RequestFailedException e)
        {
            log.LogDebug("releasing {Blob}: {Error}", blob.Name, e.Message);
        }
    }
}
