using OnlyPrompt.Services;

namespace OnlyPrompt.Evaluator;

public static class EvaluatorApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGrpcServiceDefaults();
        builder.AddBlobStorage();
        builder.Services.AddOnlyPromptData(builder.Configuration, "evaluator").AddOnlyPromptModels(builder.Configuration);
        builder.Services.AddOpenAiHttpClient().AddSingleton<LlmJudging>();
        var app = builder.Build();
        app.MapGrpcServiceDefaults();
        app.MapGrpcService<EvaluatorService>();
        return app;
    }
}
