using Azure.Storage.Blobs;
using Google.Protobuf.WellKnownTypes;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services.Tests;

[Collection(ServiceStackCollection.Name)]
public sealed class StorageTests(ServiceStack stack)
{
    private const string Container = "storage-tests";

    [Fact]
    public async Task A_file_round_trips_by_its_hash_and_a_changed_blob_is_refused_with_its_name()
    {
        using var files = new TempDirectory();
        File.WriteAllText(files.File("data.jsonl"), "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n");
        var reference = await stack.Store.UploadFileAsync(Container, "data.jsonl", files.File("data.jsonl"));
        Assert.Equal(64, reference.Sha256.Length);

        await stack.Store.DownloadFileAsync(reference, files.File("copy.jsonl"));
        Assert.Equal(File.ReadAllText(files.File("data.jsonl")), File.ReadAllText(files.File("copy.jsonl")));

        await new BlobServiceClient(stack.Azurite.ConnectionString).GetBlobContainerClient(Container).GetBlobClient("data.jsonl")
            .UploadAsync(BinaryData.FromString("{\"prompt\": \"tampered\"}\n"), overwrite: true);
        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => stack.Store.DownloadFileAsync(reference, files.File("again.jsonl")));
        Assert.Contains($"{Container}/data.jsonl", error.Message);
        Assert.False(File.Exists(files.File("again.jsonl")));
    }

    [Fact]
    public async Task A_dataset_is_downloaded_once_per_content_hash_and_a_malformed_hash_is_never_a_cache_path()
    {
        using var files = new TempDirectory();
        var datasets = new Datasets(stack.Store, new WorkDirectory(files.File("work")));
        var written = await datasets.WriteAsync(Container, "cached.jsonl", [new OnlyPrompt.Method.Data.PromptRecord("sort : 2 1", "Sort")],
            CancellationToken.None);
        var blob = new BlobServiceClient(stack.Azurite.ConnectionString).GetBlobContainerClient(Container).GetBlobClient("cached.jsonl");
        await blob.DeleteAsync();

        // The writer kept its verified copy: reading it again needs no storage.
        var read = await datasets.ReadAsync<OnlyPrompt.Method.Data.PromptRecord>(written, CancellationToken.None);
        Assert.Equal("sort : 2 1", Assert.Single(read).Prompt);

        // Another service's cache starts empty, so the missing blob is reported by name.
        var other = new Datasets(stack.Store, new WorkDirectory(files.File("other")));
        var missing = await Assert.ThrowsAsync<BlobIntegrityException>(() =>
            other.ReadAsync<OnlyPrompt.Method.Data.PromptRecord>(written, CancellationToken.None));
        Assert.Contains($"{Container}/cached.jsonl", missing.Message);
        var escaping = new Common.V1.BlobRef { Container = Container, Name = "cached.jsonl", Sha256 = "../../" + new string('a', 58) };
        await Assert.ThrowsAsync<BlobIntegrityException>(() =>
            datasets.ReadAsync<OnlyPrompt.Method.Data.PromptRecord>(escaping, CancellationToken.None));
        Assert.Equal([written.Sha256 + ".jsonl"], Directory.GetFiles(files.File("work/datasets")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_checkpoint_directory_round_trips_through_its_index()
    {
        using var files = new TempDirectory();
        Directory.CreateDirectory(files.File("model/sub"));
        File.WriteAllText(files.File("model/config.json"), "{}");
        File.WriteAllBytes(files.File("model/sub/weights.bin"), Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray());
        var checkpoint = await stack.Store.UploadDirectoryAsync(Container, "ckpt", files.File("model"));

        var local = await stack.Store.DownloadCheckpointAsync(checkpoint, files.File("cache"));

        Assert.Equal(File.ReadAllBytes(files.File("model/sub/weights.bin")), File.ReadAllBytes(Path.Combine(local, "sub", "weights.bin")));
        Assert.Equal(local, await stack.Store.DownloadCheckpointAsync(checkpoint, files.File("cache")));
        checkpoint = checkpoint with { Sha256 = new string('0', 64) };
        await Assert.ThrowsAsync<BlobIntegrityException>(() => stack.Store.DownloadCheckpointAsync(checkpoint, files.File("cache")));
        // A hash that is a path would name a folder outside the cache (an existing one would be loaded as the model).
        Directory.CreateDirectory(files.File("elsewhere"));
        checkpoint = checkpoint with { Sha256 = "../elsewhere" };
        var escaping = await Assert.ThrowsAsync<BlobIntegrityException>(() => stack.Store.DownloadCheckpointAsync(checkpoint, files.File("cache")));
        Assert.Contains("is not 64 lowercase hex digits", escaping.Message);
    }

    [Fact]
    public async Task Two_writers_of_one_manifest_cannot_both_commit()
    {
        var manifests = new RunManifestStore(stack.Store, Container);
        var created = await manifests.CreateAsync(new Run { RunId = "two-writers", State = RunState.Pending,
            CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow) });
        await Assert.ThrowsAsync<ManifestConflictException>(() => manifests.CreateAsync(created.Run));

        var first = (await manifests.TryReadAsync("two-writers"))!;
        var second = (await manifests.TryReadAsync("two-writers"))!;
        var firstRun = first.Run.Clone();
        firstRun.Stages.Add(new StageRecord { Name = "prepare" });
        await manifests.WriteAsync(firstRun, first.ETag);
        var secondRun = second.Run.Clone();
        secondRun.Stages.Add(new StageRecord { Name = "other" });
        await Assert.ThrowsAsync<ManifestConflictException>(() => manifests.WriteAsync(secondRun, second.ETag));

        Assert.Equal(["prepare"], (await manifests.TryReadAsync("two-writers"))!.Run.Stages.Select(s => s.Name));
    }
}
