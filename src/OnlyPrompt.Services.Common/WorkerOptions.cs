using Microsoft.Extensions.Configuration;

namespace OnlyPrompt.Services;

/// <summary>What every worker service reads from the configuration section <c>OnlyPrompt</c>.</summary>
public sealed class WorkerOptions
{
    public const string Section = "OnlyPrompt";

    /// <summary>Local scratch space (downloads, job state); default: the temp folder's onlyprompt/{service}.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Where models run: cpu, cuda, cuda:N.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>CPU threads for libtorch; default: libtorch's choice.</summary>
    public int? Threads { get; set; }

    /// <summary>
    /// The dtype of sampling and evaluation: auto (bf16 where the device computes it natively, fp32 elsewhere), fp32 or
    /// bf16. Training has its own setting, the Trainer's <c>TrainingPrecision</c>.
    /// </summary>
    public string InferencePrecision { get; set; } = "auto";

    // Read while the services are registered: the device is configured before any model loads.
    public static WorkerOptions From(IConfiguration configuration) => configuration.GetSection(Section).Get<WorkerOptions>() ?? new();
}
