using OnlyPrompt.Common.V1;
using OnlyPrompt.Model;
using OnlyPrompt.Storage;
using static TorchSharp.torch;

namespace OnlyPrompt.Services;

/// <summary>Checkpoints in blob storage as loaded models: downloaded once per content hash into the work directory's cache.</summary>
public sealed class ModelStore(BlobStore store, WorkDirectory work, Device device)
{
    public Device Device => device;

    public async Task<PretrainedModel> LoadAsync(CheckpointRef checkpoint, CancellationToken cancellation) =>
        PretrainedModel.Load(await LocalCopyAsync(checkpoint, cancellation), device);

    public Task<string> LocalCopyAsync(CheckpointRef checkpoint, CancellationToken cancellation) =>
        store.DownloadCheckpointAsync(checkpoint, work.Checkpoints, cancellation);

    /// <summary>Saves the model in the Hugging Face layout, uploads and verifies it, and keeps the local copy as the cache entry.</summary>
    public async Task<CheckpointRef> SaveAsync(PretrainedModel model, string container, string prefix, CancellationToken cancellation)
    {
        var local = work.NewTemporaryDirectory();
        try
        {
            model.Save(local);
            var checkpoint = await store.UploadDirectoryAsync(container, prefix, local, cancellation);
            Directory.CreateDirectory(work.Checkpoints);
            var cached = Path.Combine(work.Checkpoints, checkpoint.Sha256);
            if (!Directory.Exists(cached))
                Directory.Move(local, cached);
            return checkpoint;
        }
        finally
        {
            if (Directory.Exists(local))
                Directory.Delete(local, recursive: true);
        }
    }
}
