using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OnlyPrompt.Lab.Hosting;

/// <summary>A real Azurite blob service (the repository's npm package, run by node) on a free loopback port.</summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly Process process;

    private AzuriteProcess(Process process, int port) => (this.process, Port) = (process, port);

    public int Port { get; }

    public string ConnectionString => Storage.StorageLayout.LocalAzurite(Port);

    /// <summary>
    /// Starts Azurite from <paramref name="repository"/>'s node_modules, keeping its data in <paramref name="location"/>
    /// (null: in memory).
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(string repository, string? location)
    {
        var main = Path.Combine(repository, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(main))
            throw new InvalidOperationException($"{main} is missing: run `npm ci` in {repository} (./run.sh and ./test.sh do).");
        var port = FreePort.Next();
        string[] storage = location is null ? ["--inMemoryPersistence"] : ["--location", Directory.CreateDirectory(location).FullName];
        var start = new ProcessStartInfo("node", [main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture),
            .. storage, "--skipApiVersionCheck", "--disableTelemetry", "--loose"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var listening = new TaskCompletionSource();
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("successfully listens", StringComparison.OrdinalIgnoreCase) == true)
                listening.TrySetResult();
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new AzuriteProcess(process, port);
    }

    /// <summary>
    /// Stops Azurite as Ctrl+C does, so that it saves what it holds in memory to its location (a killed Azurite loses
    /// its last seconds of writes); kills it if it has not exited within ten seconds.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited && (OperatingSystem.IsWindows() || Interrupt(process.Id, SigInt) != 0))
            process.Kill(entireProcessTree: true);
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        process.Dispose();
    }

    private const int SigInt = 2;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Interrupt(int pid, int signal);
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
