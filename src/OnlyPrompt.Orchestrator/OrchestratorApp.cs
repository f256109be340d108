using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OnlyPrompt.Orchestrator.Reporting;
using OnlyPrompt.Services;
using OnlyPrompt.Storage;
using EvaluatorClient = OnlyPrompt.Evaluator.V1.Evaluator.EvaluatorClient;
using FilterClient = OnlyPrompt.Filter.V1.Filter.FilterClient;
using SamplerClient = OnlyPrompt.Sampler.V1.Sampler.SamplerClient;
using TrainerClient = OnlyPrompt.Trainer.V1.Trainer.TrainerClient;

namespace OnlyPrompt.Orchestrator;

public static class OrchestratorApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGrpcServiceDefaults();
        builder.AddBlobStorage();
        builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<ApiKeyInterceptor>());
        builder.Services.AddOnlyPromptData(builder.Configuration, "orchestrator");

        builder.Services.AddOptions<OrchestratorOptions>().BindConfiguration(OrchestratorOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<RetryOptions>().BindConfiguration(RetryOptions.Section)
            .Validate(o => o.Attempts >= 1, $"{RetryOptions.Section}:Attempts must be at least 1.")
            .Validate(o => o.FirstDelay > TimeSpan.Zero && o.MaxDelay >= o.FirstDelay,
                $"{RetryOptions.Section}: FirstDelay must be positive and MaxDelay at least FirstDelay.")
            .Validate(o => o.Deadline > TimeSpan.Zero, $"{RetryOptions.Section}:Deadline must be positive.").ValidateOnStart();

        // Worker addresses come from service discovery ("services:sampler:http:0", set by the AppHost) unless given explicitly.
        // No resilience handler on these clients: calls are long streams with their own deadlines and retries (RetryingCalls).
        static Uri Address(IServiceProvider services, string name) =>
            services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Address(name);
        builder.Services.AddGrpcClient<SamplerClient>("sampler", (sp, o) => o.Address = Address(sp, "sampler"));
        builder.Services.AddGrpcClient<FilterClient>("filter", (sp, o) => o.Address = Address(sp, "filter"));
        builder.Services.AddGrpcClient<TrainerClient>("trainer", (sp, o) => o.Address = Address(sp, "trainer"));
        builder.Services.AddGrpcClient<EvaluatorClient>("evaluator", (sp, o) => o.Address = Address(sp, "evaluator"));
        builder.Services.AddSingleton(sp =>
        {
            var factory = sp.GetRequiredService<Grpc.Net.ClientFactory.GrpcClientFactory>();
            return new ServiceClients(factory.CreateClient<SamplerClient>("sampler"), factory.CreateClient<FilterClient>("filter"),
                factory.CreateClient<TrainerClient>("trainer"), factory.CreateClient<EvaluatorClient>("evaluator"));
        });
        builder.Services.AddSingleton<RetryingCalls>();
        builder.Services.AddSingleton(sp => new RunManifestStore(sp.GetRequiredService<BlobStore>()));
        builder.Services.AddSingleton<RunSpecValidation>();
        builder.Services.AddSingleton<HeadToHead>().AddSingleton<RunReport>();
        builder.Services.AddOptions<Reuse.ReuseOptions>().BindConfiguration(Reuse.ReuseOptions.Section)
            .Validate(o => o.Lease > TimeSpan.Zero && o.Poll > TimeSpan.Zero,
                $"{Reuse.ReuseOptions.Section}: Lease and Poll must be positive.").ValidateOnStart();
        builder.Services.AddSingleton<Reuse.SharedStages>();
        builder.Services.AddSingleton<StageRunner>();
        builder.Services.AddSingleton<RunEventHub>();
        builder.Services.AddSingleton<RunDriver>();
        builder.Services.AddSingleton<RunRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunRegistry>());

        var app = builder.Build();
        app.MapGrpcServiceDefaults();
        app.MapGrpcService<OrchestratorService>();
        app.Lifetime.ApplicationStarted.Register(() => RefuseOpenWithoutKey(app));
        return app;
    }

    /// <summary>Listening beyond loopback without an API key would let anyone on the network start training runs.</summary>
    private static void RefuseOpenWithoutKey(WebApplication app)
    {
        if (!string.IsNullOrEmpty(app.Services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.ApiKey))
            return;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            var host = new Uri(address.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0",
                StringComparison.Ordinal)).Host;
            if (host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)))
                continue;
            app.Logger.LogCritical("the orchestrator listens on {Address} beyond loopback and OnlyPrompt:ApiKey is not set; refusing to serve",
                address);
            app.Lifetime.StopApplication();
            return;
        }
    }
}
