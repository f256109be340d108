namespace OnlyPrompt.Trainer;

/// <summary>The Trainer's settings (configuration section <c>OnlyPrompt</c>), bound and validated at start-up.</summary>
public sealed class TrainerOptions
{
    public const string Section = "OnlyPrompt";

    /// <summary>A job saves its state locally every this many optimizer steps; a retried job resumes from the newest.</summary>
    public int CheckpointEverySteps { get; set; } = 200;
}
