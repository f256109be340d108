using EvaluatorClient = OnlyPrompt.Evaluator.V1.Evaluator.EvaluatorClient;
using FilterClient = OnlyPrompt.Filter.V1.Filter.FilterClient;
using SamplerClient = OnlyPrompt.Sampler.V1.Sampler.SamplerClient;
using TrainerClient = OnlyPrompt.Trainer.V1.Trainer.TrainerClient;

namespace OnlyPrompt.Orchestrator;

/// <summary>The four worker services as the orchestrator calls them.</summary>
public sealed record ServiceClients(SamplerClient Sampler, FilterClient Filter, TrainerClient Trainer, EvaluatorClient Evaluator);
