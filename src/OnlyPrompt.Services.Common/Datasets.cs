using OnlyPrompt.Common.V1;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services;

/// <summary>
/// JSON Lines datasets in blob storage, read and written as records through local files in the work directory, so
/// nothing large sits in memory twice. Local copies are kept by content hash: a dataset read again (the held-out set
/// at every evaluation, say) or read after this service wrote it is not downloaded again.
/// </summary>
public sealed class Datasets(BlobStore store, WorkDirectory work)
{
    /// <summary>Reads every record; a bad line is reported with the blob's name and the line number.</summary>
    public async Task<List<T>> ReadAsync<T>(BlobRef reference, CancellationToken cancellation)
    {
        var cached = CachePath(reference.Sha256);
        if (cached is not null && File.Exists(cached))
            return Parse<T>(cached, reference);
        var path = cached ?? work.NewTemporaryFile(".jsonl");
        await store.DownloadFileAsync(reference.ToStored(), path, cancellation); // renamed into place only once its hash matches
        try
        {
            return Parse<T>(path, reference);
        }
        finally
        {
            if (cached is null)
                File.Delete(path);
        }
    }

    private static List<T> Parse<T>(string path, BlobRef reference)
    {
        using var reader = new StreamReader(path);
        return JsonLines.Read<T>(reader, reference.Describe());
    }

    public async Task<BlobRef> WriteAsync<T>(string container, string name, IEnumerable<T> records, CancellationToken cancellation)
    {
        var path = work.NewTemporaryFile(".jsonl");
        try
        {
            JsonLines.Write(path, records);
            var written = await store.UploadFileAsync(container, name, path, cancellation);
            if (CachePath(written.Sha256) is { } cached)
                File.Move(path, cached, overwrite: true);
            return written.ToContract();
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Only a well-formed hash names a cache file, so a reference cannot point outside the cache.
    private string? CachePath(string sha256) => Sha256Text.IsWellFormed(sha256) ? Path.Combine(work.Datasets, sha256 + ".jsonl") : null;
}
