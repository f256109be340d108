using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace OnlyPrompt.Lab.Hosting;

/// <summary>A service's real WebApplication on Kestrel, HTTP/2 on a loopback port, in this process.</summary>
public sealed class InProcessService : IAsyncDisposable
{
    private readonly WebApplication app;

    private InProcessService(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
    }

    public Uri Address { get; }
    public GrpcChannel Channel { get; }

    public static async Task<InProcessService> StartAsync(Func<string[], WebApplication> build, params string[] settings)
    {
        var app = build(["--urls", "http://127.0.0.1:0", .. settings]);
        await app.StartAsync();
        // The gRPC address; a service with OnlyPrompt:HttpPort also listens on that HTTP/1.1 port.
        var httpPort = Array.IndexOf(settings, "--OnlyPrompt:HttpPort") is var at and >= 0 ? int.Parse(settings[at + 1]) : -1;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a =>
            new Uri(a).Port != httpPort);
        return new InProcessService(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
