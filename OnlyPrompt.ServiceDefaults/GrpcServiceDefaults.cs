using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OnlyPrompt.ServiceDefaults;
using OnlyPrompt.Storage;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every OnlyPrompt gRPC service shares on top of the service defaults.</summary>
public static class GrpcServiceDefaults
{
    /// <summary>
    /// gRPC over plain HTTP/2 (Kestrel endpoints are HTTP/2-only, which cleartext gRPC needs), domain errors mapped to
    /// status codes, server reflection (grpcurl), the gRPC health service with a blob-storage check, and the blob store
    /// from the <c>blobs</c> connection string.
    /// </summary>
    public static WebApplicationBuilder AddGrpcServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ServiceExceptionInterceptor>();
            grpc.MaxReceiveMessageSize = 16 * 1024 * 1024;
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<BlobStorageHealthCheck>("blobs");
        builder.AddBlobStore();
        return builder;
    }

    public static IHostApplicationBuilder AddBlobStore(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(StorageLayout.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{StorageLayout.ConnectionStringName} is not set: give the blob storage connection string " +
                $"(environment variable ConnectionStrings__{StorageLayout.ConnectionStringName}); the AppHost sets it to its Azurite.");
        builder.Services.AddSingleton(new BlobServiceClient(connectionString));
        builder.Services.AddSingleton<BlobStore>();
        return builder;
    }

    public static WebApplication MapGrpcServiceDefaults(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
