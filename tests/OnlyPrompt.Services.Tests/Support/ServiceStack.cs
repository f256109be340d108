using Azure.Storage.Blobs;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Storage;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>Real Azurite and all five services in this process, over real gRPC on loopback; shared by one test collection.</summary>
public sealed class ServiceStack : IAsyncLifetime
{
    private readonly TempDirectory work = new();

    public Azurite Azurite { get; } = new();
    public InProcessService Sampler { get; private set; } = null!;
    /// <summary>The Sampler's HTTP/1.1 port with the OpenAI-compatible API.</summary>
    public Uri SamplerHttp { get; private set; } = null!;
    public InProcessService Filter { get; private set; } = null!;
    public InProcessService Trainer { get; private set; } = null!;
    public InProcessService Evaluator { get; private set; } = null!;
    public InProcessService Orchestrator { get; private set; } = null!;
    public BlobStore Store { get; private set; } = null!;
    public OrchestratorClient Client => new(Orchestrator.Channel);

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Store = new BlobStore(new BlobServiceClient(Azurite.ConnectionString));
        var httpPort = FreePort.Next();
        Sampler = await InProcessService.StartAsync(OnlyPrompt.Sampler.SamplerApp.Build,
            [.. Settings("sampler"), "--OnlyPrompt:HttpPort", $"{httpPort}"]);
        SamplerHttp = new Uri($"http://127.0.0.1:{httpPort}");
        Filter = await InProcessService.StartAsync(OnlyPrompt.Filter.FilterApp.Build, Settings("filter"));
        Trainer = await InProcessService.StartAsync(OnlyPrompt.Trainer.TrainerApp.Build, Settings("trainer"));
        Evaluator = await InProcessService.StartAsync(OnlyPrompt.Evaluator.EvaluatorApp.Build, Settings("evaluator"));
        Orchestrator = await InProcessService.StartAsync(OrchestratorApp.Build, [
            .. Settings("orchestrator"), .. LocalStack.WorkerAddresses(Sampler.Address, Filter.Address, Trainer.Address, Evaluator.Address)]);
    }

    public string[] Settings(string service) => StackSettings.For(Azurite, WorkDirectory(service));

    public string WorkDirectory(string service) => Path.Combine(work.Path, service);

    public async Task DisposeAsync()
    {
        foreach (var service in new[] { Orchestrator, Sampler, Filter, Trainer, Evaluator })
            if (service is not null)
                await service.DisposeAsync();
        await Azurite.DisposeAsync();
        work.Dispose();
    }
}

public static class StackSettings
{
    public static string[] For(Azurite azurite, string workDirectory) =>
    [
        "--ConnectionStrings:blobs", azurite.ConnectionString, "--OnlyPrompt:WorkDirectory", workDirectory,
        "--OnlyPrompt:Retry:FirstDelay", "00:00:00.500", "--OnlyPrompt:Retry:Attempts", "12", "--OnlyPrompt:CheckpointEverySteps", "2",
        "--Logging:LogLevel:Default", "Warning",
    ];
}

[CollectionDefinition(Name)]
public sealed class ServiceStackCollection : ICollectionFixture<ServiceStack>
{
    public const string Name = "service stack";
}
