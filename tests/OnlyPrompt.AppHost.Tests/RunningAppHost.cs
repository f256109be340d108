using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace OnlyPrompt.AppHost.Tests;

/// <summary>The whole AppHost as users start it (Azurite, five services, health checks, WaitFor) on free ports and its own data folder.</summary>
public sealed class RunningAppHost : IAsyncDisposable
{
    private readonly DirectoryInfo data;

    private RunningAppHost(DistributedApplication app, DirectoryInfo data, int blobPort) =>
        (App, this.data, BlobConnectionString) = (app, data, Storage.StorageLayout.LocalAzurite(blobPort));

    public DistributedApplication App { get; }

    public Uri Orchestrator => App.GetEndpoint("orchestrator", "http");

    /// <summary>The Sampler's OpenAI-compatible API, up to <c>/v1</c>.</summary>
    public Uri OpenAi => new(App.GetEndpoint("sampler", "openai"), "/v1");

    /// <summary>The system's Azurite, as a client outside it connects.</summary>
    public string BlobConnectionString { get; }

    public static async Task<RunningAppHost> StartAsync(CancellationToken cancellation)
    {
        var data = Directory.CreateTempSubdirectory("onlyprompt-apphost-");
        var blobPort = FreePort();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.OnlyPrompt_AppHost>([
            $"--OnlyPrompt:DataDirectory={data.FullName}", $"--OnlyPrompt:BlobPort={blobPort}", $"--OnlyPrompt:OrchestratorPort={FreePort()}",
            $"--OnlyPrompt:SamplerHttpPort={FreePort()}"], cancellation);
        var app = await builder.BuildAsync(cancellation);
        await app.StartAsync(cancellation);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("orchestrator", cancellation);
        return new RunningAppHost(app, data, blobPort);
    }

    /// <summary>Runs the CLI as its own process, as a user would, against this system (its orchestrator and its Azurite).</summary>
    public async Task<(int ExitCode, string Output)> RunCliAsync(string[] arguments, CancellationToken cancellation)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/{configuration}/net10.0
        var dll = Path.Combine(Repository.Root, "src", "OnlyPrompt.Cli", "bin", configuration, "net10.0", "onlyprompt.dll");
        var start = new ProcessStartInfo("dotnet",
            [dll, .. arguments, "--address", Orchestrator.ToString(), "--blobs", BlobConnectionString]) { RedirectStandardOutput = true,
            RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the CLI did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var errors = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        return (process.ExitCode, await output + await errors);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        data.Delete(recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
