using System.Diagnostics;
using System.Diagnostics.Metrics;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Lora;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Services;

/// <summary>Checkpoints in blob storage as loaded models: downloaded once per content hash into the work directory's cache.</summary>
/// <param name="inference">The dtype models are loaded in for sampling and evaluation (<see cref="LoadForInferenceAsync"/>).</param>
public sealed class ModelStore(BlobStore store, WorkDirectory work, Device device, ScalarType inference)
{
    public Device Device => device;

    /// <summary>Loads the checkpoint to answer with: in the inference dtype.</summary>
    public Task<PretrainedModel> LoadForInferenceAsync(CheckpointRef checkpoint, CancellationToken cancellation) =>
        LoadAsync(checkpoint, inference, cancellation);

    /// <summary>
    /// Loads the checkpoint to train (or to give reference log-probs) in fp32, whatever dtype it was saved in: AdamW's state
    /// and the masters of mixed precision are fp32. <paramref name="dtype"/> asks for another where nothing of the model
    /// trains in it (a frozen LoRA base or a reference under mixed precision, both computing in bf16).
    /// </summary>
    public Task<PretrainedModel> LoadForTrainingAsync(CheckpointRef checkpoint, CancellationToken cancellation,
        ScalarType dtype = ScalarType.Float32) =>
        LoadAsync(checkpoint, dtype, cancellation);

    private static readonly Meter Meter = new("OnlyPrompt.Models");
    private static readonly Histogram<double> FetchSeconds = Meter.CreateHistogram<double>("onlyprompt.model.fetch_duration", "s",
        "Time to have a checkpoint on local disk (0 when cached).");
    private static readonly Histogram<double> LoadSeconds = Meter.CreateHistogram<double>("onlyprompt.model.load_duration", "s",
        "Time to load a local checkpoint into memory.");

    /// <summary>
    /// Fetches (or finds in the cache) and loads the checkpoint; the current span gets both times as tags. A checkpoint
    /// that is a PEFT LoRA adapter alone is loaded over the base its adapter_config.json names as <c>container/prefix</c>
    /// in blob storage (as the Trainer writes it), and merged into it.
    /// </summary>
    private async Task<PretrainedModel> LoadAsync(CheckpointRef checkpoint, ScalarType dtype, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var directory = await LocalCopyAsync(checkpoint, cancellation);
        var adapter = LoraAdapters.IsAdapterOnly(directory) ? directory : null;
        if (adapter is not null)
            directory = await store.DownloadCheckpointAsync(await BaseOfAdapterAsync(checkpoint, adapter, cancellation),
                work.Checkpoints, cancellation);
        var fetched = clock.Elapsed.TotalSeconds;
        // An adapter is merged in fp32, as the Trainer merges it, so both give the same weights in any dtype.
        var model = PretrainedModel.Load(directory, device, adapter is null ? dtype : ScalarType.Float32);
        if (adapter is not null)
        {
            LoraAdapters.Load(model.Model, adapter);
            LoraAdapters.Merge(model.Model);
            model.Model.to(dtype);
        }
        var loaded = clock.Elapsed.TotalSeconds - fetched;
        FetchSeconds.Record(fetched);
        LoadSeconds.Record(loaded);
        Activity.Current?.SetTag("onlyprompt.model.fetch_seconds", fetched);
        Activity.Current?.SetTag("onlyprompt.model.load_seconds", loaded);
        return model;
    }

    /// <summary>Fetches and loads a reward model (a one-label sequence classifier).</summary>
    public async Task<RewardModel> LoadRewardModelAsync(CheckpointRef checkpoint, CancellationToken cancellation) =>
        RewardModel.Load(await LocalCopyAsync(checkpoint, cancellation), device);

    private async Task<StoredCheckpoint> BaseOfAdapterAsync(CheckpointRef adapter, string directory, CancellationToken cancellation)
    {
        var name = LoraAdapters.BaseModelOf(directory);
        var (container, prefix) = name.IndexOf('/') is var slash and > 0 ? (name[..slash], name[(slash + 1)..]) : ("", name);
        var index = container.Length == 0 ? null : await store.TryDescribeAsync(container, $"{prefix}/{BlobStore.CheckpointIndexFile}", cancellation);
        return index is null
            ? throw new ModelFormatException($"adapter {adapter.Container}/{adapter.Prefix}: its base model '{name}' is not a checkpoint in " +
                "blob storage " +
                                             "(container/prefix); upload the base and name it in adapter_config.json's base_model_name_or_path.")
            : new StoredCheckpoint(container, prefix, index.Sha256);
    }

    public Task<string> LocalCopyAsync(CheckpointRef checkpoint, CancellationToken cancellation) =>
        store.DownloadCheckpointAsync(checkpoint.ToStored(), work.Checkpoints, cancellation);

    /// <summary>Saves the model in the Hugging Face layout, uploads and verifies it, and keeps the local copy as the cache entry.</summary>
    /// <param name="writeAlongside">Writes more files into the checkpoint's folder before it is uploaded (a LoRA adapter under adapter/).</param>
    public Task<CheckpointRef> SaveAsync(PretrainedModel model, string container, string prefix, CancellationToken cancellation,
        Action<string>? writeAlongside = null) =>
        SaveAsync(local =>
        {
            model.Save(local);
            writeAlongside?.Invoke(local);
        }, container, prefix, cancellation);

    /// <summary>
    /// Uploads and verifies the checkpoint that <paramref name="write"/> writes into a fresh folder, and keeps that folder
    /// as the cache entry.
    /// </summary>
    public async Task<CheckpointRef> SaveAsync(Action<string> write, string container, string prefix, CancellationToken cancellation)
    {
        var local = work.NewTemporaryDirectory();
        try
        {
            write(local);
            var checkpoint = await store.UploadDirectoryAsync(container, prefix, local, cancellation);
            Directory.CreateDirectory(work.Checkpoints);
            var cached = Path.Combine(work.Checkpoints, checkpoint.Sha256);
            if (!Directory.Exists(cached))
                Directory.Move(local, cached);
            return checkpoint.ToContract();
        }
        finally
        {
            if (Directory.Exists(local))
                Directory.Delete(local, recursive: true);
        }
    }
}
