using OnlyPrompt.Services;

namespace OnlyPrompt.Filter;

public static class FilterApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGrpcServiceDefaults();
        builder.AddBlobStorage();
        builder.Services.AddOnlyPromptData(builder.Configuration, "filter");
        var app = builder.Build();
        app.MapGrpcServiceDefaults();
        app.MapGrpcService<FilterService>();
        return app;
    }
}
