namespace OnlyPrompt.Services;

/// <summary>
/// The service's local scratch space (configuration <c>OnlyPrompt:WorkDirectory</c>): checkpoint and dataset caches, training jobs'
/// resumable state, temporary files. It outlives the process, so a restarted service finds its jobs again.
/// </summary>
public sealed class WorkDirectory
{
    public WorkDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Temporary);
        Directory.CreateDirectory(Datasets);
    }

    public string Root { get; }
    public string Checkpoints => Path.Combine(Root, "checkpoints");
    public string Jobs => Path.Combine(Root, "jobs");
    /// <summary>Verified local copies of datasets, named by their SHA-256.</summary>
    public string Datasets => Path.Combine(Root, "datasets");
    private string Temporary => Path.Combine(Root, "tmp");

    public string NewTemporaryFile(string extension) => Path.Combine(Temporary, Guid.NewGuid().ToString("N") + extension);

    public string NewTemporaryDirectory() => Path.Combine(Temporary, Guid.NewGuid().ToString("N"));
}
