using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services;

public static class BlobStorageRegistration
{
    /// <summary>
    /// The blob store on <c>ConnectionStrings:blobs</c>, and a health check that it answers (the gRPC health service reports it too).
    /// </summary>
    public static IHostApplicationBuilder AddBlobStorage(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(StorageLayout.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{StorageLayout.ConnectionStringName} is not set: give the blob storage connection string " +
                $"(environment variable ConnectionStrings__{StorageLayout.ConnectionStringName}); the AppHost sets it to its Azurite.");
        builder.Services.AddSingleton(new BlobServiceClient(connectionString));
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddHealthChecks().AddCheck<BlobStorageHealthCheck>("blobs");
        return builder;
    }
}
