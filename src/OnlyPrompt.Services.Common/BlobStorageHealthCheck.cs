using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;

namespace OnlyPrompt.Services;

/// <summary>
/// Healthy when blob storage answers. Its probe makes no spans: it runs every few seconds in every service and would bury the runs' traces.
/// </summary>
public sealed class BlobStorageHealthCheck(BlobServiceClient blobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        try
        {
            await blobs.GetPropertiesAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"blob storage at {blobs.Uri} does not answer: {e.Message}");
        }
    }
}
