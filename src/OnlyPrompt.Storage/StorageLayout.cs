namespace OnlyPrompt.Storage;

/// <summary>
/// Where things live in the blob container: <c>runs/{run}/manifest.json</c> (the run's single source of truth),
/// <c>runs/{run}/{stage}/...</c> (each stage's outputs, e.g. <c>round-1/pairs.jsonl</c>, <c>round-1/checkpoint/</c>),
/// <c>stages/{key}.json</c> (committed stages by key, shared by runs) and <c>worlds/{preset}-seed{N}/...</c> (generated
/// datasets and base models, shared by runs).
/// </summary>
public static class StorageLayout
{
    public const string DefaultContainer = "onlyprompt";
    public const string ConnectionStringName = "blobs";
    public const string RunsPrefix = "runs/";

    public const int LocalBlobPort = 10000;

    /// <summary>
    /// Azurite's well-known development account on loopback (127.0.0.1, not localhost, so the SDK reads account and container right).
    /// The account key stays on one line, as Azurite documents it, so a search for it finds it.
    /// </summary>
    public static string LocalAzurite(int port = LocalBlobPort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    public static string Manifest(string runId) => $"{RunsPrefix}{runId}/manifest.json";

    public static string RunFile(string runId, string relativePath) => $"{RunsPrefix}{runId}/{relativePath}";

    /// <summary>The shared record of a stage key: who computes it, then its committed record.</summary>
    public static string SharedStage(string key) => $"stages/{key}.json";

    /// <summary>Run ids become blob names: letters, digits and '-' only, 1-63 characters.</summary>
    public static bool IsValidRunId(string runId) =>
        runId.Length is > 0 and <= 63 && runId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
