using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OnlyPrompt.Model;

namespace OnlyPrompt.Services;

public static class ServiceRegistration
{
    /// <summary>
    /// Work directory, datasets and, for services that run models, the model store on the configured device
    /// (<c>OnlyPrompt:Device</c>: cpu, cuda, cuda:N; <c>OnlyPrompt:Threads</c>).
    /// </summary>
    public static IServiceCollection AddOnlyPromptData(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var root = configuration["OnlyPrompt:WorkDirectory"] ?? Path.Combine(Path.GetTempPath(), "onlyprompt", serviceName);
        services.AddSingleton(new WorkDirectory(root));
        services.AddSingleton<Datasets>();
        return services;
    }

    public static IServiceCollection AddOnlyPromptModels(this IServiceCollection services, IConfiguration configuration)
    {
        var threads = configuration.GetValue<int?>("OnlyPrompt:Threads");
        var device = TorchRuntime.Configure(configuration["OnlyPrompt:Device"] ?? "cpu", threads);
        services.AddSingleton(sp => new ModelStore(sp.GetRequiredService<Storage.BlobStore>(), sp.GetRequiredService<WorkDirectory>(), device));
        services.AddSingleton<ComputeGate>();
        return services;
    }
}
