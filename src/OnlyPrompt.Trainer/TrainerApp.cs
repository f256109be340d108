using OnlyPrompt.Services;

namespace OnlyPrompt.Trainer;

public static class TrainerApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGrpcServiceDefaults();
        builder.AddBlobStorage();
        builder.Services.AddOnlyPromptData(builder.Configuration, "trainer").AddOnlyPromptModels(builder.Configuration);
        builder.Services.AddOptions<TrainerOptions>().BindConfiguration(TrainerOptions.Section)
            .Validate(o => o.CheckpointEverySteps >= 1, $"{TrainerOptions.Section}:CheckpointEverySteps must be at least 1.")
            .Validate(o => TrainerOptions.TrainingPrecisions.Contains(o.TrainingPrecision),
                $"{TrainerOptions.Section}:TrainingPrecision must be one of {string.Join(", ", TrainerOptions.TrainingPrecisions)}.")
            .ValidateOnStart();
        builder.Services.AddSingleton<TrainingJobs>();
        var app = builder.Build();
        app.MapGrpcServiceDefaults();
        app.MapGrpcService<TrainerService>();
        return app;
    }
}
