using OnlyPrompt.Common.V1;
using OnlyPrompt.Storage;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>A smoke-sized world and its untrained base model, uploaded as a Hugging Face checkpoint.</summary>
public static class TinyWorld
{
    public static async Task<(CheckpointRef Model, GeneratedWorld World)> UploadAsync(BlobStore store, string container, string prefix = "base")
    {
        var options = ExperimentOptions.Preset("smoke", 9);
        var world = new WorldGenerator(options.World).Generate();
        using var files = new TempDirectory();
        BaseModelWriter.Write(files.File("config"), options.Model, ExperimentVocabulary.Texts(world, options.Templates));
        OnlyPrompt.Model.Checkpoints.LlamaCheckpoint.SaveInitialised(files.File("config"), files.File("base"), seed: 9);
        return ((await store.UploadDirectoryAsync(container, prefix, files.File("base"))).ToContract(), world);
    }
}
