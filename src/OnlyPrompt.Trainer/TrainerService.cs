using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Services;
using OnlyPrompt.Trainer.V1;

namespace OnlyPrompt.Trainer;

/// <summary>
/// SFT, offline initialisation and round training as one streaming call (progress per step, then the new checkpoint),
/// and a base model's first weights.
/// </summary>
public sealed class TrainerService(TrainingJobs jobs, ModelStore models, ComputeGate gate) : V1.Trainer.TrainerBase
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Trainer");
    private static readonly Meter Meter = new("OnlyPrompt.Trainer");
    private static readonly Histogram<double> TokensPerSecond = Meter.CreateHistogram<double>("onlyprompt.trainer.tokens_per_second", "{token}/s",
        "Training tokens per second of each job.");

    public override async Task Train(TrainRequest request, IServerStreamWriter<TrainEvent> responses, ServerCallContext context)
    {
        var errors = new FieldErrors().Checkpoint(request.Policy, "policy")
            .Check(request.Datasets.Count > 0, "datasets", "needs at least one dataset.")
            .Check(request.ObjectiveCase != TrainRequest.ObjectiveOneofCase.None, "objective", "set sft or preference.")
            .Training(request.Training, "training").Output(request.OutputContainer, request.OutputPrefix, "output_prefix");
        for (var i = 0; i < request.Datasets.Count; i++)
            errors.Blob(request.Datasets[i], $"datasets[{i}]");
        if (request.ObjectiveCase == TrainRequest.ObjectiveOneofCase.Preference)
            errors.Loss(request.Preference.Loss, "preference.loss");
        errors.Check(request.JobId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'), "job_id",
            "may hold letters, digits, '-', '_' and '.' only.");
        errors.ThrowIfAny();

        using var activity = Source.StartActivity(request.ObjectiveCase == TrainRequest.ObjectiveOneofCase.Sft ? "train sft" : "train preferences");
        activity?.SetTag("onlyprompt.job", request.JobId);
        var progress = new ProgressStream<TrainEvent>(responses);
        var result = await jobs.RunAsync(request, step => progress.Report(new TrainEvent
        {
            Progress = new TrainProgress
            {
                Progress = new Progress { Done = step.Step, Total = step.TotalSteps, Rate = step.TokensPerSecond, RateUnit = "tokens/s" },
                LearningRate = step.LearningRate,
                Metrics = { step.Metrics.ToDictionary() },
            },
        }), context.CancellationToken);
        TokensPerSecond.Record(result.TokensPerSecond);
        foreach (var (name, value) in result.Metrics)
            activity?.SetTag("onlyprompt." + name, value);
        await progress.FlushAsync(context.CancellationToken);
        await responses.WriteAsync(new TrainEvent { Result = result }, context.CancellationToken);
    }

    public override async Task<InitialiseModelResponse> InitialiseModel(InitialiseModelRequest request, ServerCallContext context)
    {
        new FieldErrors().Checkpoint(request.Config, "config").Output(request.OutputContainer, request.OutputPrefix, "output_prefix").ThrowIfAny();
        using var activity = Source.StartActivity("initialise model");
        var folder = await models.LocalCopyAsync(request.Config, context.CancellationToken);
        if (!File.Exists(Path.Combine(folder, LlamaCheckpoint.ConfigFile)))
            throw new InvalidFieldsException([$"config: {request.Config.Container}/{request.Config.Prefix} has no {LlamaCheckpoint.ConfigFile}."]);
        var checkpoint = await gate.RunAsync(() => models.SaveAsync(local => LlamaCheckpoint.SaveInitialised(folder, local, request.Seed),
            request.OutputContainer, request.OutputPrefix, context.CancellationToken).GetAwaiter().GetResult(), context.CancellationToken);
        return new InitialiseModelResponse { Checkpoint = checkpoint };
    }
}
