using Contract = OnlyPrompt.Common.V1;
using Library = OnlyPrompt.Settings;

namespace OnlyPrompt.Services;

/// <summary>
/// Between the protobuf contracts and the settings records of training, losses, sampling and LoRA, both ways (validation happens in
/// <see cref="FieldErrors"/>; the method's own records convert in <see cref="MethodConversions"/>).
/// </summary>
public static class SettingsConversions
{
    public const int DefaultBatchSize = 96;

    public static Library.SamplingOptions ToOptions(this Contract.SamplingSettings s) => new()
    {
        MaxNewTokens = s.MaxNewTokens, Temperature = s.Temperature, TopP = s.TopP, TopK = s.TopK, Seed = s.Seed,
    };

    public static int BatchSizeOrDefault(this Contract.SamplingSettings s) => s.BatchSize > 0 ? s.BatchSize : DefaultBatchSize;

    public static Contract.SamplingSettings ToContract(this Library.SamplingOptions o, int batchSize) => new()
    {
        MaxNewTokens = o.MaxNewTokens, Temperature = o.Temperature, TopP = o.TopP, TopK = o.TopK, Seed = o.Seed, BatchSize = batchSize,
    };

    /// <summary>The library's LoRA settings; no target modules means every projection.</summary>
    public static Library.LoraSettings ToLibrary(this Contract.LoraSettings s) =>
        new(s.Rank, s.Alpha, s.Dropout, s.TargetModules.Count > 0 ? s.TargetModules.ToList() : Library.LoraSettings.AllProjections);

    public static Library.TrainingOptions ToOptions(this Contract.TrainingSettings s) => new()
    {
        LearningRate = s.LearningRate,
        Schedule = s.Schedule switch
        {
            Contract.LearningRateSchedule.Linear => Library.LearningRateSchedule.Linear,
            Contract.LearningRateSchedule.Constant => Library.LearningRateSchedule.Constant,
            _ => Library.LearningRateSchedule.Cosine,
        },
        WarmupSteps = s.WarmupSteps, MinLearningRateRatio = s.MinLearningRateRatio, Epochs = s.Epochs, TokensPerBatch = s.TokensPerBatch,
        MaxGradNorm = s.MaxGradNorm, WeightDecay = s.WeightDecay, Seed = s.Seed, MixedPrecision = s.MixedPrecision,
    };

    public static Contract.TrainingSettings ToContract(this Library.TrainingOptions o) => new()
    {
        LearningRate = o.LearningRate,
        Schedule = o.Schedule switch
        {
            Library.LearningRateSchedule.Linear => Contract.LearningRateSchedule.Linear,
            Library.LearningRateSchedule.Constant => Contract.LearningRateSchedule.Constant,
            _ => Contract.LearningRateSchedule.Cosine,
        },
        WarmupSteps = o.WarmupSteps, MinLearningRateRatio = o.MinLearningRateRatio, Epochs = o.Epochs, TokensPerBatch = o.TokensPerBatch,
        MaxGradNorm = o.MaxGradNorm, WeightDecay = o.WeightDecay, Seed = o.Seed, MixedPrecision = o.MixedPrecision,
    };

    public static (Library.PreferenceLoss Loss, Library.LossSettings Settings) ToOptions(this Contract.LossSettings s) =>
        (s.Loss switch
        {
            Contract.PreferenceLoss.Dpo => Library.PreferenceLoss.Dpo,
            Contract.PreferenceLoss.Ipo => Library.PreferenceLoss.Ipo,
            Contract.PreferenceLoss.Simpo => Library.PreferenceLoss.SimPo,
            Contract.PreferenceLoss.SimpoWithReference => Library.PreferenceLoss.SimPoWithReference,
            Contract.PreferenceLoss.Rdpo => Library.PreferenceLoss.RDpo,
            Contract.PreferenceLoss.Cpo => Library.PreferenceLoss.Cpo,
            Contract.PreferenceLoss.Orpo => Library.PreferenceLoss.Orpo,
            Contract.PreferenceLoss.SlicHf => Library.PreferenceLoss.SlicHf,
            Contract.PreferenceLoss.Rrhf => Library.PreferenceLoss.Rrhf,
            Contract.PreferenceLoss.Kto => Library.PreferenceLoss.Kto,
            _ => throw new InvalidFieldsException(["loss: is required."]),
        }, new Library.LossSettings
        {
            Beta = s.Beta, Gamma = s.Gamma, LabelSmoothing = s.LabelSmoothing, Alpha = s.Alpha, Lambda = s.Lambda, Delta = s.Delta,
                ChosenNllWeight = s.ChosenNllWeight,
            ChosenPenaltyWeight = s.ChosenPenaltyWeight,
        });

    public static Contract.LossSettings ToContract(this Library.PreferenceLoss loss, Library.LossSettings s) => new()
    {
        Loss = loss switch
        {
            Library.PreferenceLoss.Dpo => Contract.PreferenceLoss.Dpo,
            Library.PreferenceLoss.Ipo => Contract.PreferenceLoss.Ipo,
            Library.PreferenceLoss.SimPo => Contract.PreferenceLoss.Simpo,
            Library.PreferenceLoss.SimPoWithReference => Contract.PreferenceLoss.SimpoWithReference,
            Library.PreferenceLoss.RDpo => Contract.PreferenceLoss.Rdpo,
            Library.PreferenceLoss.Cpo => Contract.PreferenceLoss.Cpo,
            Library.PreferenceLoss.Orpo => Contract.PreferenceLoss.Orpo,
            Library.PreferenceLoss.SlicHf => Contract.PreferenceLoss.SlicHf,
            Library.PreferenceLoss.Rrhf => Contract.PreferenceLoss.Rrhf,
            Library.PreferenceLoss.Kto => Contract.PreferenceLoss.Kto,
            _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
        },
        Beta = s.Beta, Gamma = s.Gamma, LabelSmoothing = s.LabelSmoothing, Alpha = s.Alpha, Lambda = s.Lambda, Delta = s.Delta,
            ChosenNllWeight = s.ChosenNllWeight,
        ChosenPenaltyWeight = s.ChosenPenaltyWeight,
    };
}
