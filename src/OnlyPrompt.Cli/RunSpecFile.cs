using Google.Protobuf;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Datasets;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Cli;

/// <summary>
/// <c>onlyprompt run --spec FILE.json</c>: a <see cref="RunSpec"/> in protobuf JSON (lines starting with <c>//</c> are
/// comments). In <c>given</c> and <c>evaluation.reward_model</c> a reference without a container stands for a local
/// path: a dataset file (<c>{"name": "data/prompts.parquet"}</c>) is read, checked and uploaded like the CLI's
/// <c>--prompts</c>, a model folder (<c>{"prefix": "models/zephyr-sft"}</c>) like <c>--model</c>. Relative paths are
/// relative to the spec file. References with a container are used as they are. Without <c>templates</c> the run uses the
/// paper's two prefixes.
/// </summary>
public static class RunSpecFile
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    public static RunSpec Read(string path)
    {
        if (!File.Exists(path))
            throw new UsageException($"--spec: {path} does not exist.");
        var json = string.Join('\n', File.ReadLines(path).Select(line => line.TrimStart().StartsWith("//", StringComparison.Ordinal) ? "" : line));
        try
        {
            var spec = Parser.Parse<RunSpec>(json);
            spec.Templates ??= new OnlyPrompt.Method.Data.PromptTemplates().ToContract(); // the paper's two prefixes
            return spec;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new UsageException($"--spec: {path} is not a RunSpec in protobuf JSON: {e.Message}");
        }
        catch (InvalidJsonException e)
        {
            throw new UsageException($"--spec: {path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The spec with every local path replaced by its uploaded reference; every file is checked before the first upload.</summary>
    public static async Task<RunSpec> PrepareAsync(string path, BlobStore store, TextWriter log, CancellationToken cancellation)
    {
        var spec = Read(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string Local(string relative) => Path.GetFullPath(relative, folder);
        var evaluation = spec.Evaluation ??= new EvaluationSpec();
        using var inputs = new LocalInputs(store, StorageLayout.DefaultContainer, log);
        var uploads = new List<Func<Task>>();

        void Model(CheckpointRef? reference, string label, Action<CheckpointRef> set)
        {
            if (reference is null || reference.Container.Length > 0)
                return;
            var directory = Local(reference.Prefix);
            LocalInputs.RequireModelFiles(directory, label);
            uploads.Add(async () => set(await inputs.UploadModelAsync(label, directory, cancellation)));
        }
        void Dataset(BlobRef? reference, string label, DatasetKind kind, Action<BlobRef> set)
        {
            if (reference is null || reference.Container.Length > 0)
                return;
            var canonical = inputs.Import(label, kind, Local(reference.Name), ColumnMap.None, evaluation.Scorer, evaluation.Judge);
            uploads.Add(async () => set(await inputs.UploadAsync(label, canonical, cancellation)));
        }

        Model(evaluation.RewardModel, "spec.evaluation.reward_model", r => evaluation.RewardModel = r);
        if (spec.Given is not null)
        {
            var given = spec.Given;
            Model(given.BaseModel, "spec.given.base_model", r => given.BaseModel = r);
            for (var i = 0; i < given.SftData.Count; i++)
            {
                var index = i;
                Dataset(given.SftData[i], $"spec.given.sft_data[{i}]", DatasetKind.Sft, r => given.SftData[index] = r);
            }
            Dataset(given.PreferenceData, "spec.given.preference_data", DatasetKind.Preferences, r => given.PreferenceData = r);
            Dataset(given.Prompts, "spec.given.prompts", DatasetKind.Prompts, r => given.Prompts = r);
            Dataset(given.EvalSet, "spec.given.eval_set", DatasetKind.Eval, r => given.EvalSet = r);
            Dataset(given.RoundAnswers, "spec.given.round_answers", DatasetKind.Eval, r => given.RoundAnswers = r);
        }
        foreach (var upload in uploads)
            await upload();
        return spec;
    }
}
