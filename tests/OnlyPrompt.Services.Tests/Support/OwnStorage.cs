using Azure.Storage.Blobs;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>
/// Tests that start their own services: each test gets its own Azurite and scratch folder, so nothing it stores (runs,
/// shared stages) meets another test's.
/// </summary>
public abstract class OwnStorage : IAsyncLifetime
{
    protected Azurite Azurite { get; } = new();
    protected TempDirectory Work { get; } = new();
    protected BlobStore Store { get; private set; } = null!;
    private readonly List<IAsyncDisposable> services = [];

    public virtual async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Store = new BlobStore(new BlobServiceClient(Azurite.ConnectionString));
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var service in Enumerable.Reverse(services))
            await service.DisposeAsync();
        await Azurite.DisposeAsync();
        Work.Dispose();
    }

    /// <summary>The five services in this process against this test's storage; the Orchestrator is returned, the rest are its workers.</summary>
    protected async Task<InProcessService> StartStackAsync() =>
        Own(await InProcessService.StartAsync(OrchestratorApp.Build, [.. Settings("orchestrator"), .. await StartWorkersAsync()]));

    /// <summary>The four workers in this process; returns the Orchestrator's settings that point at them.</summary>
    protected async Task<string[]> StartWorkersAsync()
    {
        async Task<Uri> Start(Func<string[], Microsoft.AspNetCore.Builder.WebApplication> build, string name) =>
            Own(await InProcessService.StartAsync(build, Settings(name))).Address;
        return LocalStack.WorkerAddresses(await Start(Sampler.SamplerApp.Build, "sampler"), await Start(Filter.FilterApp.Build, "filter"),
            await Start(Trainer.TrainerApp.Build, "trainer"), await Start(Evaluator.EvaluatorApp.Build, "evaluator"));
    }

    /// <summary>Stops <paramref name="service"/> when the test ends, before its storage goes.</summary>
    protected InProcessService Own(InProcessService service)
    {
        services.Add(service);
        return service;
    }

    /// <summary>A service's settings against this test's storage and its own work folder.</summary>
    protected virtual string[] Settings(string service) => StackSettings.For(Azurite, Path.Combine(Work.Path, service));
}
