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
        record.Files[Sft] = await datasets.WriteAsync(container, Name("sft.jsonl"), world.Sft, cancellation);
        record.Files[Judge] = await datasets.WriteAsync(container, Name("judge.jsonl"), world.Judge, cancellation);
        record.Files[Preferences] = await datasets.WriteAsync(container, Name("preferences.jsonl"), world.Preferences, cancellation);
        record.Files[Prompts] = await datasets.WriteAsync(container, Name("prompts.jsonl"), world.RoundPrompts, cancellation);
        record.Files[Eval] = await datasets.WriteAsync(container, Name("eval.jsonl"), world.Eval, cancellation);
        record.Files[RoundAnswers] = await datasets.WriteAsync(container, Name("round-answers.jsonl"), world.RoundAnswers, cancellation);

        var local = work.NewTemporaryDirectory();
        try
        {
            BaseModelWriter.Write(local, options.Model, spec.Seed, ExperimentVocabulary.Texts(world, options.Templates));
            record.Checkpoint = await store.UploadDirectoryAsync(container, Name("base"), local, cancellation);
        }
        finally
        {
            if (Directory.Exists(local))
                Directory.Delete(local, recursive: true);
        }
        record.Metrics["sft_examples"] = world.Sft.Count;
        record.Metrics["leaked_sft_examples"] = world.Sft.Count(r => r.Leaked);
        record.Metrics["preference_pairs"] = world.Preferences.Count;
        record.Metrics["round_prompts"] = world.RoundPrompts.Count;
        record.Metrics["eval_prompts"] = world.Eval.Count;
        return record;
    }
}
