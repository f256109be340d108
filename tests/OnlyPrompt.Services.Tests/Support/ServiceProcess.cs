using System.Diagnostics;
using System.Text;
using Grpc.Net.Client;
using OnlyPrompt.NativeMemory;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>A service as its own OS process (<c>dotnet OnlyPrompt.X.dll</c>), so a test can kill it like a crash would.</summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServiceProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (output)
                return output.ToString();
        }
    }

    /// <summary>Starts <c>src/{project}</c>'s build output (same configuration as the tests) on a loopback port and waits for /health.</summary>
    public static async Task<ServiceProcess> StartAsync(string project, int port, params string[] settings)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/{configuration}/net10.0
        var dll = Path.Combine(Repository.Root, "src", project, "bin", configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} is missing: build the solution first.");
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", address.ToString().TrimEnd('/'), .. settings])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (name, value) in MallocTuning.Variables) // as the AppHost starts the model services
            start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{project} did not start.");
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await service.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return service;
    }

    public GrpcChannel Channel() => GrpcChannel.ForAddress(Address);

    /// <summary>Kills the process at once, as a crash would: no shutdown hooks run.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
            Kill();
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{Address} exited with {process.ExitCode}:\n{Output}");
            try
            {
                using var response = await client.GetAsync(new Uri(Address, "/health"));
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Address} was not healthy within {timeout}:\n{Output}");
    }
}
