using Microsoft.AspNetCore.Builder;

namespace OnlyPrompt.Lab.Hosting;

/// <summary>
/// The system the AppHost composes, without Aspire: Azurite and the five services in this process, over real gRPC on
/// loopback. The Orchestrator drives runs through the workers exactly as it does under the AppHost.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private readonly AzuriteProcess azurite;
    private readonly List<InProcessService> services = [];

    private LocalStack(AzuriteProcess azurite) => this.azurite = azurite;

    public string BlobConnectionString => azurite.ConnectionString;

    /// <summary>The Orchestrator's gRPC address.</summary>
    public Uri Orchestrator => services[^1].Address;

    /// <summary>
    /// Starts the stack. <paramref name="storage"/> holds Azurite's data (null: in memory) and <paramref name="work"/> each
    /// service's work folder; <paramref name="settings"/> go to every service (configuration switches such as
    /// <c>--OnlyPrompt:Threads 2</c>).
    /// </summary>
    public static async Task<LocalStack> StartAsync(string repository, string? storage, string work, params string[] settings)
    {
        var stack = new LocalStack(await AzuriteProcess.StartAsync(repository, storage));
        try
        {
            string[] For(string service) =>
            [
                "--ConnectionStrings:blobs", stack.BlobConnectionString, "--OnlyPrompt:WorkDirectory", Path.Combine(work, service),
                "--Logging:LogLevel:Default", "Warning", .. settings,
            ];
            async Task<Uri> Start(Func<string[], WebApplication> build, string name, params string[] extra)
            {
                var service = await InProcessService.StartAsync(build, [.. For(name), .. extra]);
                stack.services.Add(service);
                return service.Address;
            }
            var workers = WorkerAddresses(await Start(Sampler.SamplerApp.Build, "sampler"), await Start(Filter.FilterApp.Build, "filter"),
                await Start(Trainer.TrainerApp.Build, "trainer"), await Start(Evaluator.EvaluatorApp.Build, "evaluator"));
            await Start(OnlyPrompt.Orchestrator.OrchestratorApp.Build, "orchestrator", workers);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>The Orchestrator's settings that point it at the four workers.</summary>
    public static string[] WorkerAddresses(Uri sampler, Uri filter, Uri trainer, Uri evaluator) =>
    [
        "--OnlyPrompt:Services:sampler", sampler.ToString(), "--OnlyPrompt:Services:filter", filter.ToString(),
        "--OnlyPrompt:Services:trainer", trainer.ToString(), "--OnlyPrompt:Services:evaluator", evaluator.ToString(),
    ];

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Enumerable.Reverse(services))
            await service.DisposeAsync();
        await azurite.DisposeAsync();
    }

    /// <summary>The repository holding <c>node_modules/azurite</c>: above this program, or above the current folder.</summary>
    public static string FindRepository()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "node_modules", "azurite")))
                    return dir.FullName;
        throw new InvalidOperationException(
            $"no node_modules/azurite above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}: run `npm ci` in the repository.");
    }
}
