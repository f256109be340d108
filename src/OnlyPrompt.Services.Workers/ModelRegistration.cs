using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OnlyPrompt.Model;

namespace OnlyPrompt.Services;

public static class ModelRegistration
{
    /// <summary>
    /// For services that run models: the model store on the configured device (<see cref="WorkerOptions.Device"/>,
    /// <see cref="WorkerOptions.Threads"/>).
    /// </summary>
    public static IServiceCollection AddOnlyPromptModels(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = WorkerOptions.From(configuration);
        var device = TorchRuntime.Configure(settings.Device, settings.Threads);
        var inference = settings.InferencePrecision switch
        {
            "auto" => Precision.ForInference(device),
            "fp32" => TorchSharp.torch.ScalarType.Float32,
            "bf16" => TorchSharp.torch.ScalarType.BFloat16,
            var other => throw new InvalidOperationException($"{WorkerOptions.Section}:InferencePrecision is '{other}'; use auto, fp32 or bf16."),
        };
        services.AddSingleton(sp => new ModelStore(sp.GetRequiredService<Storage.BlobStore>(),
            sp.GetRequiredService<WorkDirectory>(), device, inference));
        services.AddSingleton<ComputeGate>();
        return services;
    }
}
