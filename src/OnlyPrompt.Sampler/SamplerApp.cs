using OnlyPrompt.Sampler.OpenAi;
using OnlyPrompt.Services;

namespace OnlyPrompt.Sampler;

public static class SamplerApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGrpcServiceDefaults();
        builder.AddBlobStorage();
        builder.Services.AddOnlyPromptData(builder.Configuration, "sampler").AddOnlyPromptModels(builder.Configuration);
        builder.Services.AddSingleton<ResidentModel>().AddSingleton<OpenAiCompletions>().AddOpenAiHttpClient();
        if (RemoteGenerationSettings.From(builder.Configuration) is { } remote)
            builder.Services.AddSingleton(remote);
        var app = builder.Build();
        app.MapGrpcServiceDefaults();
        app.MapGrpcService<SamplerService>();
        app.MapOpenAiEndpoints();
        return app;
    }
}
