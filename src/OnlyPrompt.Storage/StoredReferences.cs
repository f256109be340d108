namespace OnlyPrompt.Storage;

/// <summary>A blob by verified reference: where it is, and the SHA-256 and size of its content.</summary>
public sealed record StoredBlob(string Container, string Name, string Sha256, long Size)
{
    public override string ToString() => $"{Container}/{Name}";
}

/// <summary>A folder of blobs (a checkpoint) by reference: its prefix and the SHA-256 of its index, which names every file with its hash.</summary>
public sealed record StoredCheckpoint(string Container, string Prefix, string Sha256)
{
    public override string ToString() => $"{Container}/{Prefix}";
}
