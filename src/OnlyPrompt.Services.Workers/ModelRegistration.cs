using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OnlyPrompt.Model;

namespace OnlyPrompt.Services;

public static class ModelRegistration
{
    /// <summary>For services that run models: the model store on the configured device (<see cref="WorkerOptions.Device"/>, <see cref="WorkerOptions.Threads"/>).</summary>
    public static IServiceCollection AddOnlyPromptModels(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = WorkerOptions.From(configuration);
        var device = TorchRuntime.Configure(settings.Device, settings.Threads);
        services.AddSingleton(sp => new ModelStore(sp.GetRequiredService<Storage.BlobStore>(), sp.GetRequiredService<WorkDirectory>(), device));
        services.AddSingleton<ComputeGate>();
        return services;
    }
}
