using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OnlyPrompt.NativeMemory;
using OnlyPrompt.Storage;

// The OnlyPrompt system as Aspire composes it: blob storage, the four worker services, the orchestrator that drives
// runs through them, and the dashboard. Everything listens on loopback.
var builder = DistributedApplication.CreateBuilder(args);
var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
// Azurite's data and each service's work directory (checkpoint cache, resumable training jobs) live here.
var dataRoot = Path.GetFullPath(builder.Configuration["OnlyPrompt:DataDirectory"] ?? Path.Combine(repositoryRoot, ".onlyprompt"));

// Blob storage: Azurite from the repository's npm packages when running locally; in a deployment, the "blobs"
// connection string (a real Azure Storage account) is a parameter of the published manifest.
IResourceBuilder<IResourceWithConnectionString> blobs;
IResourceBuilder<ExecutableResource>? azurite = null;
if (builder.ExecutionContext.IsPublishMode)
{
    blobs = builder.AddConnectionString("blobs");
}
else
{
    var blobPort = builder.Configuration.GetValue("OnlyPrompt:BlobPort", StorageLayout.LocalBlobPort);
    var dataDirectory = Path.Combine(dataRoot, "azurite");
    Directory.CreateDirectory(dataDirectory);
    var port = blobPort.ToString(CultureInfo.InvariantCulture);
    azurite = builder.AddExecutable("azurite", "node", repositoryRoot,
            "node_modules/azurite/dist/src/blob/main.js", "--blobHost", "127.0.0.1", "--blobPort", port,
            "--location", dataDirectory, "--skipApiVersionCheck", "--disableTelemetry", "--loose")
        .WithHttpEndpoint(port: blobPort, isProxied: false, name: "blob")
        .WithHealthCheck(AddTcpHealthCheck(builder, "azurite-listens", blobPort));
    builder.Configuration["ConnectionStrings:blobs"] = StorageLayout.LocalAzurite(blobPort);
    blobs = builder.AddConnectionString("blobs");
}

// The Sampler also serves an OpenAI-compatible API (/v1/chat/completions, /v1/completions) over any checkpoint in
// storage, on its own HTTP/1.1 port, for LLM judges and external evaluation harnesses.
var sampler = AddService<Projects.OnlyPrompt_Sampler>("sampler", runsModels: true)
    .WithHttpEndpoint(port: builder.Configuration.GetValue("OnlyPrompt:SamplerHttpPort", 5171), name: "openai",
        env: "OnlyPrompt__HttpPort", isProxied: false);
var filter = AddService<Projects.OnlyPrompt_Filter>("filter", runsModels: false);
var trainer = AddService<Projects.OnlyPrompt_Trainer>("trainer", runsModels: true);
var evaluator = AddService<Projects.OnlyPrompt_Evaluator>("evaluator", runsModels: true);
AddService<Projects.OnlyPrompt_Orchestrator>("orchestrator", runsModels: true,
    port: builder.Configuration.GetValue("OnlyPrompt:OrchestratorPort", 5170))
    .WithReference(sampler.GetEndpoint("http")).WaitFor(sampler)
    .WithReference(filter.GetEndpoint("http")).WaitFor(filter)
    .WithReference(trainer.GetEndpoint("http")).WaitFor(trainer)
    .WithReference(evaluator.GetEndpoint("http")).WaitFor(evaluator)
    .WithEnvironment("OnlyPrompt__ApiKey", builder.ExecutionContext.IsPublishMode
        ? builder.AddParameter("orchestrator-api-key", secret: true)
        : builder.AddParameter("orchestrator-api-key", builder.Configuration["OnlyPrompt:ApiKey"] ?? "", publishValueAsDefault: false, secret: true));

builder.Build().Run();

IResourceBuilder<ProjectResource> AddService<TProject>(string name, bool runsModels, int? port = null) where TProject : IProjectMetadata, new()
{
    var service = builder.AddProject<TProject>(name, launchProfileName: null)
        .WithHttpEndpoint(port: port, name: "http")
        .WithReference(blobs);
    if (builder.ExecutionContext.IsPublishMode)
        service.WithEndpoint("http", endpoint => endpoint.Transport = "http2"); // cleartext gRPC behind the platform's ingress
    else
        service.WithEnvironment("OnlyPrompt__WorkDirectory", Path.Combine(dataRoot, "work", name));
    service.WithHealthCheck(AddGrpcHealthCheck(builder, name, service.GetEndpoint("http")));
    if (azurite is not null)
        service.WaitFor(azurite);
    // The allocator settings the model library would re-run itself with (docs/platform.md), which a service cannot do,
    // since the AppHost tracks its process. A deployment's containers do not have this machine's libraries to preload.
    if (runsModels)
        foreach (var (variable, value) in builder.ExecutionContext.IsPublishMode ? MallocTuning.GlibcVariables : MallocTuning.Variables)
            service.WithEnvironment(variable, value);
    return service;
}

// The services speak HTTP/2 only (cleartext gRPC), which Aspire's HTTP health check cannot; probe /health over HTTP/2.
static string AddGrpcHealthCheck(IDistributedApplicationBuilder builder, string name, EndpointReference endpoint)
{
    var key = name + "-health";
    var client = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellation =>
    {
        try
        {
            using var response = await client.GetAsync(new Uri(new Uri(endpoint.Url), "/health"), cancellation);
            return response.IsSuccessStatusCode ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"/health answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    });
    return key;
}

static string AddTcpHealthCheck(IDistributedApplicationBuilder builder, string key, int port)
{
    builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellation =>
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port, cancellation);
            return HealthCheckResult.Healthy();
        }
        catch (SocketException e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    });
    return key;
}
