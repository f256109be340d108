using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using OnlyPrompt.Evaluation.Metrics;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Experiment.Filtering;
using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Evaluator;

/// <summary>Held-out quality of a checkpoint (greedy answers, no prefix) with the exact scorer, and the requested-score calibration probe.</summary>
public sealed class EvaluatorService(ModelStore models, Datasets datasets, BlobStore store, ComputeGate gate, LlmJudging judging) : V1.Evaluator.EvaluatorBase
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Evaluator");

    public override async Task<EvaluateResponse> Evaluate(EvaluateRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors().Checkpoint(request.Model, "model").Blob(request.EvalSet, "eval_set");
        if (request.RewardModel is not null)
            errors.Checkpoint(request.RewardModel, "reward_model");
        if (request.Judge is not null)
            LlmJudging.Validate(errors, request.Judge, request.BaselineReport, "judge");
        errors
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
        var (evaluation, calibration, rewards) = await gate.RunAsync(() =>
        {
            Experiment.Running.Evaluation evaluation;
            double[] calibration;
            using (var model = models.LoadAsync(request.Model, cancellation).GetAwaiter().GetResult())
            {
                var evaluator = new Experiment.Running.Evaluator(model, options);
                (evaluation, calibration) = (evaluator.Evaluate(records, request.PromptPrefix), request.CalibrationPrompts > 0 ? evaluator.Calibration(records) : []);
            }
            if (request.RewardModel is null)
                return (evaluation, calibration, (float[]?)null);
            using var rewardModel = models.LoadRewardModelAsync(request.RewardModel, cancellation).GetAwaiter().GetResult();
            return (evaluation, calibration, rewardModel.Score(evaluation.Answers.Select(a => (a.Prompt, a.Answer)).ToList()));
        }, cancellation);

        var response = new EvaluateResponse
        {
            MeanQuality = evaluation.MeanQuality, StandardError = evaluation.StandardError, LeakRate = evaluation.LeakRate,
            QualityByFamily = { evaluation.QualityByFamily.ToDictionary() }, Calibration = { calibration },
            CalibrationWarning = CalibrationCheck.Warning(calibration) ?? "", MeanWords = evaluation.Answers.Average(a => a.Words),
        };
        if (rewards is not null)
        {
            var reward = MeanInterval.Of(rewards.Select(r => (double)r).ToList());
            response.Reward = new Interval { Mean = reward.Mean, Low = reward.Low, High = reward.High };
        }
        if (request.Judge is not null)
            await judging.ApplyAsync(request.Judge, request.BaselineReport, evaluation, response, cancellation);
        response.Report = await store.UploadTextAsync(request.OutputContainer, request.OutputName,
            JsonSerializer.Serialize(new EvaluationReport(evaluation, calibration, rewards, request.PromptPrefix), JsonLines.Options), cancellation);
        activity?.SetTag("onlyprompt.quality", evaluation.MeanQuality);
        activity?.SetTag("onlyprompt.leak_rate", evaluation.LeakRate);
        return response;
    }
}
