using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Google.Protobuf;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Orchestrator;

/// <summary>A manifest as read, with the ETag a write must match.</summary>
public sealed record StoredRun(Run Run, ETag ETag);

/// <summary>Another writer changed the manifest since it was read; this writer must not commit.</summary>
public sealed class ManifestConflictException(string runId) : Exception($"run {runId}: the manifest was changed by another writer.");

/// <summary>
/// Run manifests (<c>runs/{run}/manifest.json</c>, the protobuf JSON of <see cref="Run"/>), written only with
/// ETag conditions: creation requires that none exists, every update requires the ETag that was read.
/// </summary>
public sealed class RunManifestStore(BlobStore store, string container = StorageLayout.DefaultContainer)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(false));

    public async Task<StoredRun> CreateAsync(Run run, CancellationToken cancellation = default)
    {
        var blob = await BlobAsync(run.RunId, cancellation);
        try
        {
            var response = await blob.UploadAsync(BinaryData.FromString(Formatter.Format(run)),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellation);
            return new StoredRun(run, response.Value.ETag);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            throw new ManifestConflictException(run.RunId);
        }
    }

    public async Task<StoredRun?> TryReadAsync(string runId, CancellationToken cancellation = default)
    {
        var blob = await BlobAsync(runId, cancellation);
        try
        {
            var content = (await blob.DownloadContentAsync(cancellation)).Value;
            return new StoredRun(Run.Parser.ParseJson(content.Content.ToString()), content.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Writes the manifest if nobody has written it since <paramref name="read"/>; returns the new ETag.</summary>
    public async Task<StoredRun> WriteAsync(Run run, ETag read, CancellationToken cancellation = default)
    {
        var blob = await BlobAsync(run.RunId, cancellation);
        try
        {
            var response = await blob.UploadAsync(BinaryData.FromString(Formatter.Format(run)),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = read } }, cancellation);
            return new StoredRun(run, response.Value.ETag);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            throw new ManifestConflictException(run.RunId);
        }
    }

    public async Task<IReadOnlyList<StoredRun>> ListAsync(CancellationToken cancellation = default)
    {
        var client = await store.ContainerAsync(container, cancellation);
        var runs = new List<StoredRun>();
        await foreach (var item in client.GetBlobsAsync(new GetBlobsOptions { Prefix = StorageLayout.RunsPrefix }, cancellation))
        {
            if (!item.Name.EndsWith("/manifest.json", StringComparison.Ordinal))
                continue;
            var runId = item.Name[StorageLayout.RunsPrefix.Length..^"/manifest.json".Length];
            if (await TryReadAsync(runId, cancellation) is { } run)
                runs.Add(run);
        }
        return runs.OrderByDescending(r => r.Run.CreatedAt?.ToDateTimeOffset()).ToList();
    }

    private async Task<BlobClient> BlobAsync(string runId, CancellationToken cancellation) =>
        (await store.ContainerAsync(container, cancellation)).GetBlobClient(StorageLayout.Manifest(runId));
}
