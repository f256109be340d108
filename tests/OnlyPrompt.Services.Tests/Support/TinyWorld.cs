using OnlyPrompt.Common.V1;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>A smoke-sized world and its untrained base model, uploaded as a Hugging Face checkpoint.</summary>
public static class TinyWorld
{
    public static async Task<(CheckpointRef Model, GeneratedWorld World)> UploadAsync(BlobStore store, string container, string prefix = "base")
    {
        var options = Experiment.Running.ExperimentOptions.Preset("smoke", 9);
        var world = new WorldGenerator(options.World).Generate();
        using var files = new TempDirectory();
        BaseModelWriter.Write(files.File("base"), options.Model, 9, ExperimentVocabulary.Texts(world, options.Templates));
        return (await store.UploadDirectoryAsync(container, prefix, files.File("base")), world);
    }
}
