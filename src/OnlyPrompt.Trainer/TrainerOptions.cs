using OnlyPrompt.Model;
using TorchSharp;

namespace OnlyPrompt.Trainer;

/// <summary>The Trainer's settings (configuration section <c>OnlyPrompt</c>), bound and validated at start-up.</summary>
public sealed class TrainerOptions
{
    public const string Section = "OnlyPrompt";

    /// <summary>A job saves its state locally every this many optimizer steps; a retried job resumes from the newest.</summary>
    public int CheckpointEverySteps { get; set; } = 200;

    /// <summary>
    /// auto: mixed precision (bf16 compute, fp32 master weights and AdamW state) where the device computes bf16 natively,
    /// fp32 elsewhere; fp32; or mixed. A spec's <c>training.mixed_precision</c> asks for mixed precision whatever this says.
    /// </summary>
    public string TrainingPrecision { get; set; } = "auto";

    public static readonly string[] TrainingPrecisions = ["auto", "fp32", "mixed"];

    public bool TrainsInMixedPrecision(torch.Device device) => TrainingPrecision switch
    {
        "mixed" => true,
        "fp32" => false,
        _ => Precision.HasFastBf16(device),
    };
}
