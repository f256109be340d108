using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OnlyPrompt.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every OnlyPrompt gRPC service shares on top of the service defaults.</summary>
public static class GrpcServiceDefaults
{
    /// <summary>
    /// gRPC over plain HTTP/2 (Kestrel endpoints are HTTP/2-only, which cleartext gRPC needs), domain errors mapped to
    /// status codes, server reflection (grpcurl) and the gRPC health service, which reports every registered health check
    /// (each service adds its blob storage's: <c>AddBlobStorage</c>).
    /// </summary>
    public static WebApplicationBuilder AddGrpcServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        var httpPort = AddHttpPort(builder);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint =>
            endpoint.Protocols = httpPort is not null && endpoint.IPEndPoint?.Port == httpPort ? HttpProtocols.Http1 : HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ServiceExceptionInterceptor>();
            grpc.MaxReceiveMessageSize = 16 * 1024 * 1024;
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        return builder;
    }

    /// <summary>
    /// <c>OnlyPrompt:HttpPort</c>, when set, adds an HTTP/1.1 endpoint on that port (same host as the gRPC one) for
    /// plain REST clients such as the Sampler's OpenAI-compatible API; cleartext HTTP/2 and HTTP/1.1 cannot share a port.
    /// </summary>
    private static int? AddHttpPort(WebApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue<int?>("OnlyPrompt:HttpPort");
        if (port is not > 0)
            return null;
        var urls = (builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) ?? "").Split(';',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (urls.Count == 0)
            urls.Add("http://localhost:5000");
        var addresses = urls.Select(BindingAddress.Parse).ToList();
        if (addresses.All(a => a.Port != port))
            builder.WebHost.UseUrls([.. urls, $"http://{addresses[0].Host}:{port}"]);
        return port;
    }

    public static WebApplication MapGrpcServiceDefaults(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
