using Azure.Storage.Blobs;
using Grpc.Core;
using Grpc.Net.Client;
using OnlyPrompt.Storage;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Cli;

/// <summary>
/// The client options every orchestrator command shares: <c>--address</c> (ONLYPROMPT_ADDRESS), <c>--api-key</c>
/// (ONLYPROMPT_API_KEY), <c>--reconnect-seconds</c> (how long to wait for an orchestrator that went away; default 300),
/// and for commands that read results, <c>--blobs</c> (ONLYPROMPT_BLOBS; default: the local AppHost's Azurite).
/// </summary>
public sealed class OrchestratorConnection : IDisposable
{
    public const string DefaultAddress = "http://127.0.0.1:5170";

    private readonly GrpcChannel channel;
    private readonly string? blobs;

    public OrchestratorConnection(Arguments arguments) : this(
        arguments.Text("--address") ?? Environment.GetEnvironmentVariable("ONLYPROMPT_ADDRESS") ?? DefaultAddress,
        arguments.Text("--api-key") ?? Environment.GetEnvironmentVariable("ONLYPROMPT_API_KEY"),
        arguments.Text("--blobs") ?? Environment.GetEnvironmentVariable("ONLYPROMPT_BLOBS"),
        arguments.Integer("--reconnect-seconds") ?? 300)
    {
    }

    public OrchestratorConnection(string address, string? apiKey, string? blobs, int reconnectSeconds)
    {
        if (reconnectSeconds < 0)
            throw new UsageException($"--reconnect-seconds: {reconnectSeconds} must be >= 0.");
        (Address, this.blobs) = (address, blobs);
        Reconnect = new Reconnect(TimeSpan.FromSeconds(reconnectSeconds), Console.Error, Address);
        channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
        Client = new OrchestratorClient(channel);
        if (!string.IsNullOrEmpty(apiKey))
            Headers.Add("x-api-key", apiKey);
    }

    public string Address { get; }
    public OrchestratorClient Client { get; }
    public Metadata Headers { get; } = [];

    /// <summary>Retries calls while the orchestrator cannot be reached, up to --reconnect-seconds.</summary>
    public Reconnect Reconnect { get; }

    public BlobStore Store() => new(new BlobServiceClient(blobs ?? StorageLayout.LocalAzurite()));

    public void Dispose() => channel.Dispose();
}
