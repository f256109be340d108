using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Experiment.Filtering;
using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Evaluator;

/// <summary>Held-out quality of a checkpoint (greedy answers, no prefix) with the exact scorer, and the requested-score calibration probe.</summary>
public sealed class EvaluatorService(ModelStore models, Datasets datasets, BlobStore store, ComputeGate gate) : V1.Evaluator.EvaluatorBase
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Evaluator");

    public override async Task<EvaluateResponse> Evaluate(EvaluateRequest request, ServerCallContext context)
    {
        new FieldErrors().Checkpoint(request.Model, "model").Blob(request.EvalSet, "eval_set")
            .Check(request.Scorer == Scorer.Exact, "scorer", "only SCORER_EXACT is available.")
            .Check(request.MaxNewTokens > 0, "max_new_tokens", $"is {request.MaxNewTokens}; it must be positive.")
            .Check(request.CalibrationPrompts >= 0, "calibration_prompts", "must be >= 0.")
            .Check(request.CalibrationPrompts == 0 || request.CalibrationTemplate.Contains("{s}", StringComparison.Ordinal), "calibration_template",
                "must contain {s} when calibration_prompts > 0.")
            .Check(request.BatchSize >= 0, "batch_size", "must be >= 0 (0: the default).")
            .Output(request.OutputContainer, request.OutputName).ThrowIfAny();
        var cancellation = context.CancellationToken;
        using var activity = Source.StartActivity("evaluate");
        var records = await datasets.ReadAsync<EvalRecord>(request.EvalSet, cancellation);
        var options = new ExperimentOptions
        {
            EvalMaxNewTokens = request.MaxNewTokens,
            CalibrationPrompts = request.CalibrationPrompts,
            GenerationBatch = request.BatchSize > 0 ? request.BatchSize : ContractConversions.DefaultBatchSize,
            Filter = new FilterOptions { LeakPatterns = request.LeakPatterns.Count > 0 ? request.LeakPatterns.ToList() : FilterOptions.DefaultLeakPatterns },
            Templates = request.CalibrationPrompts > 0 ? new PromptTemplates(Rejected: request.CalibrationTemplate) : new PromptTemplates(),
        };
        var (evaluation, calibration) = await gate.RunAsync(() =>
        {
            using var model = models.LoadAsync(request.Model, cancellation).GetAwaiter().GetResult();
            var evaluator = new Experiment.Running.Evaluator(model, options);
            return (evaluator.Evaluate(records), request.CalibrationPrompts > 0 ? evaluator.Calibration(records) : []);
        }, cancellation);

        var response = new EvaluateResponse
        {
            MeanQuality = evaluation.MeanQuality, StandardError = evaluation.StandardError, LeakRate = evaluation.LeakRate,
            QualityByFamily = { evaluation.QualityByFamily.ToDictionary() }, Calibration = { calibration },
        };
        response.Report = await store.UploadTextAsync(request.OutputContainer, request.OutputName,
            JsonSerializer.Serialize(new { evaluation, calibration }, JsonLines.Options), cancellation);
        activity?.SetTag("onlyprompt.quality", evaluation.MeanQuality);
        activity?.SetTag("onlyprompt.leak_rate", evaluation.LeakRate);
        return response;
    }
}
