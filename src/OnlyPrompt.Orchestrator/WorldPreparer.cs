using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Orchestrator;

/// <summary>
/// The prepare stage: for the default world, generates the datasets and the tiny base model (deterministic in the
/// seed) into <c>worlds/{preset}-seed{N}/</c>; for given data, records the references.
/// </summary>
public sealed class WorldPreparer(Datasets datasets, BlobStore store, WorkDirectory work)
{
    public const string Sft = "sft", Judge = "judge", Preferences = "preferences", Prompts = "prompts", Eval = "eval", RoundAnswers = "round_answers";

    public async Task<StageRecord> PrepareAsync(RunSpec spec, string container, CancellationToken cancellation)
    {
        var record = new StageRecord();
        if (spec.DataCase == RunSpec.DataOneofCase.Given)
        {
            var given = spec.Given;
            record.Checkpoint = given.BaseModel;
            for (var i = 0; i < given.SftData.Count; i++)
                record.Files[$"{Sft}{(i == 0 ? "" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))}"] = given.SftData[i];
            if (given.PreferenceData is not null) record.Files[Preferences] = given.PreferenceData;
            if (given.Prompts is not null) record.Files[Prompts] = given.Prompts;
            record.Files[Eval] = given.EvalSet;
            return record;
        }

        var preset = spec.DefaultWorld.Preset;
        var options = ExperimentOptions.Preset(preset, spec.Seed) with { Templates = spec.Templates?.ToOptions() ?? new PromptTemplates() };
        var world = new WorldGenerator(options.World).Generate();
        string Name(string file) => StorageLayout.World(preset, spec.Seed, file);
        // The uploads are independent: in flight together they cost one round trip to storage, not seven.
        var written = new (string Role, Task<Common.V1.BlobRef> Upload)[]
        {
            (Sft, datasets.WriteAsync(container, Name("sft.jsonl"), world.Sft, cancellation)),
            (Judge, datasets.WriteAsync(container, Name("judge.jsonl"), world.Judge, cancellation)),
            (Preferences, datasets.WriteAsync(container, Name("preferences.jsonl"), world.Preferences, cancellation)),
            (Prompts, datasets.WriteAsync(container, Name("prompts.jsonl"), world.RoundPrompts, cancellation)),
            (Eval, datasets.WriteAsync(container, Name("eval.jsonl"), world.Eval, cancellation)),
            (RoundAnswers, datasets.WriteAsync(container, Name("round-answers.jsonl"), world.RoundAnswers, cancellation)),
        };
        var baseModel = UploadBaseModelAsync(options, world, Name("base"), container, cancellation);
        await Task.WhenAll(written.Select(w => (Task)w.Upload).Append(baseModel)); // every failure observed, the first rethrown
        foreach (var (role, upload) in written)
            record.Files[role] = upload.Result;
        record.Checkpoint = baseModel.Result;
        record.Metrics["sft_examples"] = world.Sft.Count;
        record.Metrics["leaked_sft_examples"] = world.Sft.Count(r => r.Leaked);
        record.Metrics["preference_pairs"] = world.Preferences.Count;
        record.Metrics["round_prompts"] = options.World.RoundPrompts; // per round: each round has its own set
        record.Metrics["round_prompt_sets"] = options.World.RoundPromptSets;
        record.Metrics["eval_prompts"] = world.Eval.Count;
        return record;
    }

    private async Task<Common.V1.CheckpointRef> UploadBaseModelAsync(ExperimentOptions options, GeneratedWorld world, string prefix, string container, CancellationToken cancellation)
    {
        var local = work.NewTemporaryDirectory();
        try
        {
            BaseModelWriter.Write(local, options.Model, options.Seed, ExperimentVocabulary.Texts(world, options.Templates));
            return await store.UploadDirectoryAsync(container, prefix, local, cancellation);
        }
        finally
        {
            if (Directory.Exists(local))
                Directory.Delete(local, recursive: true);
        }
    }
}
