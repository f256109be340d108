using OnlyPrompt.Services;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Cli;

/// <summary>
/// A preset of the default world as given data: its datasets and tiny base model's config and tokenizer, generated here
/// (deterministic in the preset, seed and templates) and uploaded by content hash, skipped when already there; the
/// Trainer initialises the model's weights from the seed. The services then run it as they run a user's model and data;
/// they know no world of their own.
/// </summary>
public static class WorldUpload
{
    public const string Prefix = "worlds";

    public static async Task<GivenData> PrepareAsync(ExperimentOptions options, BlobStore store, string container, TextWriter log,
        CancellationToken cancellation)
    {
        var work = Directory.CreateTempSubdirectory("onlyprompt-world-").FullName;
        try
        {
            var written = WorldFiles.Write(work, options);
            var world = written.World;
            string[] files = [written.Sft, written.Judge, written.Preferences, written.Prompts, written.Eval, written.RoundAnswers];
            var uploads = files.Select(f => store.UploadByContentAsync(container, $"{Prefix}/datasets", f, cancellation)).ToList();
            var model = store.UploadDirectoryByContentAsync(container, $"{Prefix}/models", written.BaseModelConfig, cancellation);
            await Task.WhenAll(uploads.Select(u => (Task)u).Append(model)); // every failure observed, the first rethrown
            var blobs = uploads.Select(u => u.Result.Reference.ToContract()).ToList();
            var uploaded = uploads.Count(u => u.Result.Uploaded) + (model.Result.Uploaded ? 1 : 0);
            log.WriteLine($"world {options.PresetName}, seed {options.Seed}: {world.Sft.Count} SFT examples "
                + $"({world.Sft.Count(r => r.Leaked)} leak meta-text), {world.Judge.Count} judge examples, {world.Preferences.Count} " +
                    "preference pairs, "
                + $"{options.World.RoundPrompts} prompts per round in {options.World.RoundPromptSets} sets, {world.Eval.Count} held-out prompts; "
                + $"{uploaded} of 7 uploaded, the rest already in storage");
            // The judge examples train with the SFT data, so the self-rewarding baseline's policy can grade answers.
            return new GivenData
            {
                BaseModel = model.Result.Reference.ToContract(), BaseModelWeightSeed = written.WeightSeed,
                SftData = { blobs[0], blobs[1] }, PreferenceData = blobs[2], Prompts = blobs[3], EvalSet = blobs[4], RoundAnswers = blobs[5],
            };
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
