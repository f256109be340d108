using System.Diagnostics;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OnlyPrompt.Services.Tests.Support;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace OnlyPrompt.Services.Tests;

[Collection(ServiceStackCollection.Name)]
public sealed class TelemetryTests(ServiceStack stack)
{
    private static readonly ActivitySource Source = new("OnlyPrompt.Tests.Telemetry");

    [Fact]
    public async Task The_blob_storage_health_probe_makes_no_spans_while_other_storage_calls_do()
    {
        // Other tests' services share this process: only spans in this test's own traces count.
        var exported = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource(Source.Name).AddHttpClientInstrumentation().AddInMemoryExporter(exported).Build())
        {
            var blobs = new BlobServiceClient(stack.Azurite.ConnectionString);
            ActivityTraceId probe, call;
            using (var activity = Source.StartActivity("probe")!)
            {
                probe = activity.TraceId;
                Assert.Equal(HealthStatus.Healthy, (await new BlobStorageHealthCheck(blobs).CheckHealthAsync(new HealthCheckContext())).Status);
            }
            using (var activity = Source.StartActivity("call")!)
            {
                call = activity.TraceId;
                await blobs.GetPropertiesAsync();
            }
            Assert.Equal(["probe"], exported.Where(a => a.TraceId == probe).Select(a => a.DisplayName));
            // The same call outside the probe is traced, so the assertion above can fail.
            Assert.Contains(exported, a => a.TraceId == call && a.DisplayName == "GET");
        }
    }
}
