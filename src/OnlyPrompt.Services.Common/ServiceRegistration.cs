using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OnlyPrompt.Services;

public static class ServiceRegistration
{
    /// <summary>Work directory and datasets (<see cref="WorkerOptions.WorkDirectory"/>).</summary>
    public static IServiceCollection AddOnlyPromptData(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var root = WorkerOptions.From(configuration).WorkDirectory ?? Path.Combine(Path.GetTempPath(), "onlyprompt", serviceName);
        services.AddSingleton(new WorkDirectory(root));
        services.AddSingleton<Datasets>();
        return services;
    }
}
