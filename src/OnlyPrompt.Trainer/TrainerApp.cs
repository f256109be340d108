using OnlyPrompt.Services;

namespace OnlyPrompt.Trainer;

public static class TrainerApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGrpcServiceDefaults();
        builder.Services.AddOnlyPromptData(builder.Configuration, "trainer").AddOnlyPromptModels(builder.Configuration);
        builder.Services.AddSingleton(new TrainingJobs.Settings(builder.Configuration.GetValue("OnlyPrompt:CheckpointEverySteps", 200)));
        builder.Services.AddSingleton<TrainingJobs>();
        var app = builder.Build();
        app.MapGrpcServiceDefaults();
        app.MapGrpcService<TrainerService>();
        return app;
    }
}
