using Microsoft.Extensions.Configuration;

// The OnlyPrompt system as Aspire composes it. Today: blob storage (Azurite, from the repository's npm
// packages) and the dashboard. The gRPC services join here as they land, each referencing storage.
var builder = DistributedApplication.CreateBuilder(args);

var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
var blobPort = builder.Configuration.GetValue("OnlyPrompt:BlobPort", 10000);
var dataDirectory = Path.Combine(repositoryRoot, ".onlyprompt", "azurite");
Directory.CreateDirectory(dataDirectory);

builder.AddExecutable("blobs", "node", repositoryRoot,
        "node_modules/azurite/dist/src/blob/main.js",
        "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--location", dataDirectory, "--skipApiVersionCheck", "--disableTelemetry", "--loose")
    .WithHttpEndpoint(port: blobPort, isProxied: false, name: "blob");

builder.Build().Run();
