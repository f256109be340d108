using OnlyPrompt.Common.V1;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services;

/// <summary>Between the contracts' references and blob storage's own (<see cref="StoredBlob"/>, <see cref="StoredCheckpoint"/>), both ways.</summary>
public static class StorageConversions
{
    public static BlobRef ToContract(this StoredBlob blob) =>
        new() { Container = blob.Container, Name = blob.Name, Sha256 = blob.Sha256, Size = blob.Size };

    public static StoredBlob ToStored(this BlobRef blob) => new(blob.Container, blob.Name, blob.Sha256, blob.Size);

    public static CheckpointRef ToContract(this StoredCheckpoint checkpoint) =>
        new() { Container = checkpoint.Container, Prefix = checkpoint.Prefix, Sha256 = checkpoint.Sha256 };

    public static StoredCheckpoint ToStored(this CheckpointRef checkpoint) => new(checkpoint.Container, checkpoint.Prefix, checkpoint.Sha256);

    /// <summary>"container/name", as errors name a blob.</summary>
    public static string Describe(this BlobRef blob) => $"{blob.Container}/{blob.Name}";
}
