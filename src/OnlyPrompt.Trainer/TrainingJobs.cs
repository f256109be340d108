using Google.Protobuf;
using Microsoft.Extensions.Options;
using OnlyPrompt.Answering;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Lora;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Settings;
using OnlyPrompt.Storage;
using OnlyPrompt.Trainer.V1;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Loop;
using static TorchSharp.torch;
using PreferenceObjective = OnlyPrompt.Training.Loop.PreferenceObjective;
using SftObjective = OnlyPrompt.Training.Loop.SftObjective;

namespace OnlyPrompt.Trainer;

/// <summary>
/// Runs training jobs so that a crash loses little: the job checkpoints model and optimizer into the work directory
/// every few steps, and a call with the same job id resumes from the newest one (or returns the finished result
/// if the job had already completed and its checkpoint is in storage).
/// </summary>
public sealed class TrainingJobs(ModelStore models, Datasets datasets, BlobStore store, ComputeGate gate, WorkDirectory work,
    IOptions<TrainerOptions> settings,
    ILogger<TrainingJobs> log)
{
    private const string ResultFile = "result.json";
    private const string StateFolder = "state";

    public async Task<TrainResult> RunAsync(TrainRequest request, Action<TrainingProgress> progress, CancellationToken cancellation)
    {
        var job = Path.Combine(work.Jobs, request.JobId.Length > 0 ? request.JobId : Guid.NewGuid().ToString("N"));
        if (await FinishedAsync(job, cancellation) is { } finished)
        {
            log.LogInformation("job {Job}: already finished; returning its checkpoint", request.JobId);
            return finished;
        }

        var isSft = request.ObjectiveCase == TrainRequest.ObjectiveOneofCase.Sft;
        var sftRows = isSft ? await ReadRowsAsync<PromptCompletionRow>(request, cancellation) : [];
        var preferenceRows = isSft ? [] : await ReadRowsAsync<PreferenceRow>(request, cancellation);

        var rates = new List<double>();
        var stateDirectory = Path.Combine(job, StateFolder);
        void Report(TrainingProgress step)
        {
            rates.Add(step.TokensPerSecond);
            PruneStates(stateDirectory);
            progress(step);
        }
        var mixedPrecision = request.Training.MixedPrecision || settings.Value.TrainsInMixedPrecision(models.Device);
        var (trained, checkpoint, probed) = await gate.RunAsync(() =>
        {
            PretrainedModel? model = models.LoadForTrainingAsync(request.Policy, cancellation,
                MasterWeights.BaseDType(mixedPrecision, request.Training.Lora is not null)).GetAwaiter().GetResult();
            try
            {
                var options = request.Training.ToOptions() with
                {
                    CheckpointEverySteps = settings.Value.CheckpointEverySteps, CheckpointDirectory = stateDirectory,
                    MixedPrecision = mixedPrecision,
                };
                RemoveUnfinishedStates(stateDirectory);
                var resume = NewestState(stateDirectory);
                if (resume is not null)
                    log.LogInformation("job {Job}: resuming from {State}", request.JobId, Path.GetFileName(resume));

                model.Model.GradientCheckpointing = request.Training.GradientCheckpointing;
                var pass = new Pass(model, request, options, resume, Report, cancellation);
                var (result, probe) = isSft ? (TrainSft(pass, sftRows), null) : TrainPreferences(pass, preferenceRows);
                var adapter = SaveAdapter(model, request);
                var likelihoods = probe?.After() ?? [];
                Action<string>? withAdapter = null;
                if (adapter is not null)
                {
                    model.Dispose();
                    model = null;
                    model = MergedIntoStoredBase(request, adapter, cancellation);
                    withAdapter = folder => Directory.Move(adapter, Path.Combine(folder, AdapterFolder));
                }
                var saved = models.SaveAsync(model, request.OutputContainer, request.OutputPrefix, cancellation, withAdapter).GetAwaiter().GetResult();
                return (result, saved, likelihoods);
            }
            finally
            {
                model?.Dispose();
            }
        }, cancellation);

        var response = new TrainResult
        {
            Checkpoint = checkpoint, Steps = trained.Steps, TokensPerSecond = rates.Count > 0 ? rates.Average() : 0,
            Metrics = { trained.LastMetrics.ToDictionary(), probed, { StageMetrics.MixedPrecision, mixedPrecision ? 1 : 0 } },
        };
        Directory.CreateDirectory(job);
        File.WriteAllText(Path.Combine(job, ResultFile), JsonFormatter.Default.Format(response));
        if (Directory.Exists(Path.Combine(job, StateFolder)))
            Directory.Delete(Path.Combine(job, StateFolder), recursive: true);
        return response;
    }

    public const string AdapterFolder = "adapter";

    /// <summary>What one training pass over a job's rows runs with.</summary>
    private sealed record Pass(PretrainedModel Model, TrainRequest Request, TrainingOptions Options, string? Resume,
        Action<TrainingProgress> Report, CancellationToken Cancellation);

    // Each dataset's rows, with ids that stay the same when the job resumes: the dataset's index and the row's line.
    private async Task<List<(string Id, TRow Row)>> ReadRowsAsync<TRow>(TrainRequest request, CancellationToken cancellation)
    {
        var rows = new List<(string Id, TRow Row)>();
        for (var i = 0; i < request.Datasets.Count; i++)
            rows.AddRange((await datasets.ReadAsync<TRow>(request.Datasets[i], cancellation)).Select((row, line) => ($"d{i}-{line}", row)));
        return rows;
    }

    private static TrainingResult TrainSft(Pass pass, List<(string Id, PromptCompletionRow Row)> rows)
    {
        var encoding = new ChatEncoding(pass.Model);
        var examples = rows.Select(r => encoding.Sft(r.Id, r.Row.Prompt, r.Row.Completion, r.Row.Context)).ToList();
        AttachAdapter(pass.Model, pass.Request);
        return new Trainer<SftExample>(pass.Model.Model, new SftObjective(), pass.Options)
            .Train(examples, resumeFrom: pass.Resume, progress: pass.Report, cancellation: pass.Cancellation);
    }

    // The likelihood probe, when the request asks for it, reads the pairs before the adapter is attached and after the pass.
    private (TrainingResult Result, PassLikelihoods? Probe) TrainPreferences(Pass pass, List<(string Id, PreferenceRow Row)> rows)
    {
        var (model, request) = (pass.Model, pass.Request);
        var encoding = new ChatEncoding(model);
        var (loss, lossSettings) = request.Preference.Loss.ToOptions();
        var nllPrefix = request.Preference.NllInstructionPrefix;
        var pairs = rows.Select(r => encoding.Pair(r.Id, r.Row.Prompt, r.Row.Chosen, r.Row.Rejected, r.Row.Context) with
        {
            NllPrompt = nllPrefix.Length > 0 ? encoding.Prompt(nllPrefix + r.Row.Prompt, r.Row.Context) : null,
        }).ToList();
        var prepared = loss.NeedsReference() ? WithReference(model, pairs, request, pass.Options.MixedPrecision, pass.Cancellation) : pairs;
        var probe = PassLikelihoods.Before(model, request.Preference, rows.Select(r => r.Row));
        AttachAdapter(model, request);
        var result = new Trainer<PreferencePair>(model.Model, new PreferenceObjective(loss, lossSettings), pass.Options)
            .Train(prepared, resumeFrom: pass.Resume, progress: pass.Report, cancellation: pass.Cancellation);
        return (result, probe);
    }

    // The reference is the policy as loaded (pi_{m-1}), before any resumed weights replace it, unless the request names another,
    // which only scores: under mixed precision it is loaded in bf16 straight away.
    private IReadOnlyList<PreferencePair> WithReference(PretrainedModel model, List<PreferencePair> pairs, TrainRequest request,
        bool mixedPrecision, CancellationToken cancellation)
    {
        if (request.Reference is null)
            return ReferenceCache.Attach(model.Model, pairs, 64, mixedPrecision);
        using var reference = models.LoadForTrainingAsync(request.Reference, cancellation,
            mixedPrecision ? MasterWeights.ComputeDType : ScalarType.Float32).GetAwaiter().GetResult();
        return ReferenceCache.Attach(reference.Model, pairs, 64, mixedPrecision);
    }

    // With LoRA the base stays frozen and only the adapter trains; it is attached after the reference log-probs are
    // cached (it starts as the identity, so they would be the same) and before a resumed state is loaded into it.
    private static void AttachAdapter(PretrainedModel model, TrainRequest request)
    {
        if (request.Training.Lora is { } lora)
            LoraAdapters.Attach(model.Model, lora.ToLibrary(), seed: request.Training.Seed);
    }

    // The saved checkpoint is the merged model, so the next round's policy and reference are plain checkpoints; the
    // adapter alone goes beside it in PEFT's layout (returned: its folder), for PEFT and vLLM's LoRA serving over the base.
    private string? SaveAdapter(PretrainedModel model, TrainRequest request)
    {
        if (request.Training.Lora is not { } lora)
            return null;
        var folder = work.NewTemporaryDirectory();
        LoraAdapters.Save(model.Model, lora.ToLibrary(), folder, $"{request.Policy.Container}/{request.Policy.Prefix}");
        return folder;
    }

    // The round's model is the adapter merged into the base as stored, in fp32: under mixed precision the trained
    // model's frozen base computed in bf16, so its own copy of the base weights is rounded.
    private PretrainedModel MergedIntoStoredBase(TrainRequest request, string adapter, CancellationToken cancellation)
    {
        var merged = models.LoadForTrainingAsync(request.Policy, cancellation).GetAwaiter().GetResult();
        LoraAdapters.Load(merged.Model, adapter);
        LoraAdapters.Merge(merged.Model);
        return merged;
    }

    private async Task<TrainResult?> FinishedAsync(string job, CancellationToken cancellation)
    {
        var path = Path.Combine(job, ResultFile);
        if (!File.Exists(path))
            return null;
        var result = TrainResult.Parser.ParseJson(File.ReadAllText(path));
        var index = await store.TryDescribeAsync(result.Checkpoint.Container,
            $"{result.Checkpoint.Prefix}/{BlobStore.CheckpointIndexFile}", cancellation);
        return index?.Sha256 == result.Checkpoint.Sha256 ? result : null;
    }

    private static IEnumerable<(int Step, string Path)> States(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory, "step-*")
                .Select(d => (Step: int.TryParse(Path.GetFileName(d)["step-".Length..], out var n) ? n : -1, Path: d))
                .Where(s => s.Step >= 0)
                .OrderByDescending(s => s.Step)
            : [];

    private static string? NewestState(string directory) => States(directory).Select(s => s.Path).FirstOrDefault();

    // A crash while a state was being written leaves its staging folder behind (see AtomicDirectory).
    private static void RemoveUnfinishedStates(string directory)
    {
        if (!Directory.Exists(directory))
            return;
        foreach (var staging in Directory.EnumerateDirectories(directory, "step-*.partial-*"))
            Directory.Delete(staging, recursive: true);
    }

    private static void PruneStates(string directory)
    {
        foreach (var (_, path) in States(directory).Skip(1))
            Directory.Delete(path, recursive: true);
    }
}
