using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>A real Azurite (from the repository's npm packages) on a free loopback port, in memory, for one test collection.</summary>
public sealed class Azurite : IAsyncLifetime
{
    private Process? process;

    public int Port { get; } = FreePort.Next();

    public string ConnectionString => Storage.StorageLayout.LocalAzurite(Port);

    public async Task InitializeAsync()
    {
        var main = Path.Combine(Repository.Root, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(main))
            throw new InvalidOperationException($"{main} is missing: run `npm ci` in {Repository.Root} (./test.sh does).");
        var start = new ProcessStartInfo("node", [main, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--loose"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var listening = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("successfully listens", StringComparison.OrdinalIgnoreCase) == true)
                listening.TrySetResult();
        };
        process.BeginOutputReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
            process.Kill(entireProcessTree: true);
        process?.Dispose();
        return Task.CompletedTask;
    }
}

public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
