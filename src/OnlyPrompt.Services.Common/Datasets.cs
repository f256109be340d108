using OnlyPrompt.Common.V1;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services;

/// <summary>JSON Lines datasets in blob storage, read and written as records (via local files in the work directory, so nothing large sits in memory twice).</summary>
public sealed class Datasets(BlobStore store, WorkDirectory work)
{
    /// <summary>Reads every record; a bad line is reported with the blob's name and the line number.</summary>
    public async Task<List<T>> ReadAsync<T>(BlobRef reference, CancellationToken cancellation)
    {
        var path = work.NewTemporaryFile(".jsonl");
        try
        {
            await store.DownloadFileAsync(reference, path, cancellation);
            using var reader = new StreamReader(path);
            return JsonLines.Read<T>(reader, BlobStore.Describe(reference));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public async Task<BlobRef> WriteAsync<T>(string container, string name, IEnumerable<T> records, CancellationToken cancellation)
    {
        var path = work.NewTemporaryFile(".jsonl");
        try
        {
            JsonLines.Write(path, records);
            return await store.UploadFileAsync(container, name, path, cancellation);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
