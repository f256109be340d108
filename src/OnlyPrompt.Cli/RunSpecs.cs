using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Cli;

/// <summary>
/// The RunSpec of the default experiment's presets: its stages and settings, without its
/// data (<see cref="WorldUpload"/> gives that; a user's model and data run with these settings too).
/// </summary>
public static class RunSpecs
{
    public static RunSpec FromExperiment(ExperimentOptions options)
    {
        var spec = new RunSpec
        {
            Name = $"{options.PresetName}-seed{options.Seed}",
            Seed = options.Seed,
            Sft = options.Sft.ToContract(),
            Offline = new PreferenceStage { Loss = options.OfflineLoss.ToContract(options.OfflineSettings), Training = options.Offline.ToContract() },
            Sampling = options.Sampling.ToContract(options.GenerationBatch),
            Templates = options.Templates.ToContract(),
            Filter = options.Filter.ToContract(),
            Evaluation = new EvaluationSpec { MaxNewTokens = options.EvalMaxNewTokens, CalibrationPrompts = options.CalibrationPrompts,
                BatchSize = options.GenerationBatch },
            RequireIncreasingSchedule = true,
            RoundReference = options.RoundReference == Worlds.RoundReference.Initial
                ? Orchestrator.V1.RoundReference.Initial : Orchestrator.V1.RoundReference.Previous,
        };
        for (var round = 0; round < options.Rounds; round++)
            spec.Rounds.Add(new RoundSpec
            {
                RejectedScore = options.RejectedScores[round],
                Train = new PreferenceStage
                {
                    Loss = options.RoundLoss.ToContract(options.RoundSettings),
                    Training = (options.RoundTraining with { LearningRate = options.RoundLearningRates[round] }).ToContract(),
                },
                NllAfterChosenPrefix = options.NllAfterChosenPrefix,
            });
        return spec;
    }
}
