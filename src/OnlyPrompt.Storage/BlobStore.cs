using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace OnlyPrompt.Storage;

/// <summary>
/// Files and checkpoints in blob storage, always by verified reference: every upload is read back and hashed
/// before its <see cref="StoredBlob"/> is returned, and every download is hashed before it is used. Content is
/// streamed, never held whole in memory (small JSON documents aside).
/// </summary>
public sealed class BlobStore(BlobServiceClient service)
{
    private const string HashMetadataKey = "sha256";
    public const string CheckpointIndexFile = "index.json";
    private readonly ConcurrentDictionary<string, bool> knownContainers = new(StringComparer.Ordinal);

    public async Task<BlobContainerClient> ContainerAsync(string container, CancellationToken cancellation = default)
    {
        var client = service.GetBlobContainerClient(container);
        if (!knownContainers.ContainsKey(container))
        {
            await client.CreateIfNotExistsAsync(cancellationToken: cancellation);
            knownContainers[container] = true;
        }
        return client;
    }

    public async Task<StoredBlob> UploadFileAsync(string container, string name, string path, CancellationToken cancellation = default) =>
        await UploadFileAsync(container, name, path, await ContentHashes.OfFileAsync(path, cancellation), cancellation);

    private async Task<StoredBlob> UploadFileAsync(string container, string name, string path, (string Sha256, byte[] Md5) hashes,
        CancellationToken cancellation)
    {
        var (sha256, md5) = hashes;
        var blob = (await ContainerAsync(container, cancellation)).GetBlobClient(name);
        BlobContentInfo stored;
        await using (var file = File.OpenRead(path))
            stored = await blob.UploadAsync(file, UploadOptions(sha256), cancellation);
        var reference = new StoredBlob(container, name, sha256, new FileInfo(path).Length);
        await VerifyStoredAsync(reference, stored, md5, cancellation);
        return reference;
    }

    public Task<StoredBlob> UploadTextAsync(string container, string name, string text, CancellationToken cancellation = default) =>
        UploadBytesAsync(container, name, Encoding.UTF8.GetBytes(text), cancellation);

    /// <summary>Uploads a small in-memory document (a report, a picture) in one request.</summary>
    public async Task<StoredBlob> UploadBytesAsync(string container, string name, byte[] bytes, CancellationToken cancellation = default)
    {
        var (sha256, md5) = ContentHashes.OfBytes(bytes);
        var blob = (await ContainerAsync(container, cancellation)).GetBlobClient(name);
        var stored = await blob.UploadAsync(new BinaryData(bytes), UploadOptions(sha256), cancellation);
        var reference = new StoredBlob(container, name, sha256, bytes.Length);
        await VerifyStoredAsync(reference, stored, md5, cancellation);
        return reference;
    }

    private static BlobUploadOptions UploadOptions(string sha256) =>
        new() { Metadata = new Dictionary<string, string> { [HashMetadataKey] = sha256 } };

    /// <summary>
    /// A single-request upload comes back with the MD5 the storage service computed over what it stored: equal to
    /// ours, the content is verified without reading it back. A block upload has no such hash: it is read back and hashed.
    /// </summary>
    private async Task VerifyStoredAsync(StoredBlob reference, BlobContentInfo stored, byte[] md5, CancellationToken cancellation)
    {
        if (stored.ContentHash is { Length: > 0 } serviceMd5)
        {
            if (!serviceMd5.AsSpan().SequenceEqual(md5))
                throw new BlobIntegrityException($"blob {reference}: the storage service hashed different content than was sent.");
            return;
        }
        await VerifyAsync(reference, cancellation);
    }

    /// <summary>Reads the blob back and checks its hash and size against the reference.</summary>
    public async Task VerifyAsync(StoredBlob reference, CancellationToken cancellation = default)
    {
        await using var stream = await OpenVerifiedReadAsync(reference, cancellation);
        await stream.CopyToAsync(Stream.Null, cancellation);
    }

    /// <summary>Downloads to <paramref name="path"/> through a temporary file that is renamed only once its hash matches.</summary>
    public async Task DownloadFileAsync(StoredBlob reference, string path, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".part-" + Guid.NewGuid().ToString("N");
        try
        {
            await using (var source = await OpenVerifiedReadAsync(reference, cancellation))
            await using (var target = File.Create(temporary))
                await source.CopyToAsync(target, cancellation);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>A stream over the blob's content that throws <see cref="BlobIntegrityException"/> at its end if the hash or size differ.</summary>
    public async Task<Stream> OpenVerifiedReadAsync(StoredBlob reference, CancellationToken cancellation = default)
    {
        var blob = service.GetBlobContainerClient(reference.Container).GetBlobClient(reference.Name);
        try
        {
            var content = (await blob.DownloadStreamingAsync(cancellationToken: cancellation)).Value.Content;
            return new HashCheckingStream(content, reference);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobIntegrityException($"blob {reference} does not exist.");
        }
    }

    /// <summary>The reference of an existing blob, from the hash recorded when it was written (null if there is no such blob).</summary>
    public async Task<StoredBlob?> TryDescribeAsync(string container, string name, CancellationToken cancellation = default)
    {
        try
        {
            var blob = service.GetBlobContainerClient(container).GetBlobClient(name);
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellation)).Value;
            if (!properties.Metadata.TryGetValue(HashMetadataKey, out var sha256))
            {
                await using var stream = await blob.OpenReadAsync(cancellationToken: cancellation);
                sha256 = await Sha256.OfStreamAsync(stream, cancellation);
            }
            return new StoredBlob(container, name, sha256, properties.ContentLength);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Uploads every file under <paramref name="directory"/>, then the index that names them with their hashes; the index comes last, so a
    /// checkpoint without one is incomplete.
    /// </summary>
    public async Task<StoredCheckpoint> UploadDirectoryAsync(string container, string prefix, string directory,
        CancellationToken cancellation = default) =>
        await UploadDirectoryAsync(container, prefix, directory, await HashDirectoryAsync(directory, cancellation), cancellation);

    private async Task<StoredCheckpoint> UploadDirectoryAsync(string container, string prefix, string directory,
        IReadOnlyList<(string Relative, string Path, (string Sha256, byte[] Md5) Hashes)> files, CancellationToken cancellation)
    {
        await ContainerAsync(container, cancellation);
        var uploaded = await Task.WhenAll(files.Select(async file =>
        {
            var blob = await UploadFileAsync(container, $"{prefix}/{file.Relative}", file.Path, file.Hashes, cancellation);
            return new CheckpointFile(file.Relative, blob.Sha256, blob.Size);
        }));
        var index = await UploadTextAsync(container, $"{prefix}/{CheckpointIndexFile}",
            JsonSerializer.Serialize(new CheckpointIndex(uploaded)), cancellation);
        return new StoredCheckpoint(container, prefix, index.Sha256);
    }

    /// <summary>
    /// Uploads a local file to <c>{prefix}/{sha256}/{file name}</c>, unless a blob of that name and hash is already
    /// there; <c>Uploaded</c> says which.
    /// </summary>
    public async Task<(StoredBlob Reference, bool Uploaded)> UploadByContentAsync(string container, string prefix, string path,
        CancellationToken cancellation = default)
    {
        var (sha256, _) = await ContentHashes.OfFileAsync(path, cancellation);
        var name = $"{prefix}/{sha256}/{Path.GetFileName(path)}";
        if (await TryDescribeAsync(container, name, cancellation) is { } existing && existing.Sha256 == sha256)
            return (existing, false);
        return (await UploadFileAsync(container, name, path, cancellation), true);
    }

    /// <summary>
    /// Uploads a local directory (a model) to <c>{prefix}/{hash of its files' paths and hashes}/</c>, unless a complete
    /// copy (its index, written last) is already there.
    /// </summary>
    public async Task<(StoredCheckpoint Reference, bool Uploaded)> UploadDirectoryByContentAsync(string container, string prefix, string directory,
        CancellationToken cancellation = default)
    {
        // Each file is hashed once: for the key, and for the upload's verification.
        var files = await HashDirectoryAsync(directory, cancellation);
        var key = ContentHashes.OfBytes(Encoding.UTF8.GetBytes(string.Join('\n', files.Select(f => $"{f.Relative} {f.Hashes.Sha256}")))).Sha256;
        var target = $"{prefix}/{key}";
        if (await TryDescribeAsync(container, $"{target}/{CheckpointIndexFile}", cancellation) is { } index)
            return (new StoredCheckpoint(container, target, index.Sha256), false);
        return (await UploadDirectoryAsync(container, target, directory, files, cancellation), true);
    }

    // Every file under the directory, in path order, with its path relative to it and its hashes.
    private static async Task<IReadOnlyList<(string Relative, string Path, (string Sha256, byte[] Md5) Hashes)>> HashDirectoryAsync(string directory,
        CancellationToken cancellation) =>
        await Task.WhenAll(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(async path =>
            (Path.GetRelativePath(directory, path).Replace('\\', '/'), path, await ContentHashes.OfFileAsync(path, cancellation))));

    /// <summary>
    /// The checkpoint as a local folder under <paramref name="cacheRoot"/>, named by its index hash: downloaded and
    /// verified file by file the first time, reused after that.
    /// </summary>
    public async Task<string> DownloadCheckpointAsync(StoredCheckpoint checkpoint, string cacheRoot, CancellationToken cancellation = default)
    {
        if (!Sha256Text.IsWellFormed(checkpoint.Sha256))
            throw new BlobIntegrityException($"checkpoint {checkpoint.Container}/{checkpoint.Prefix}: sha256 '{checkpoint.Sha256}' is not 64 " +
                "lowercase hex digits.");
        var target = Path.Combine(cacheRoot, checkpoint.Sha256);
        if (Directory.Exists(target))
            return target;
        var temporary = target + ".part-" + Guid.NewGuid().ToString("N");
        try
        {
            var indexRef = new StoredBlob(checkpoint.Container, $"{checkpoint.Prefix}/{CheckpointIndexFile}", checkpoint.Sha256, -1);
            CheckpointIndex index;
            await using (var stream = await OpenVerifiedReadAsync(indexRef, cancellation))
                index = await JsonSerializer.DeserializeAsync<CheckpointIndex>(stream, cancellationToken: cancellation)
                        ?? throw new BlobIntegrityException($"checkpoint index {indexRef} is empty.");
            if (index.Files.FirstOrDefault(f => f.Path.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(f.Path)) is { } unsafePath)
                throw new BlobIntegrityException($"checkpoint index {indexRef} names an unsafe path '{unsafePath.Path}'.");
            await Task.WhenAll(index.Files.Select(file => DownloadFileAsync(
                new StoredBlob(checkpoint.Container, $"{checkpoint.Prefix}/{file.Path}", file.Sha256, file.Size),
                Path.Combine(temporary, file.Path), cancellation)));
            try
            {
                Directory.Move(temporary, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another caller finished the same checkpoint first; theirs is identical.
            }
            return target;
        }
        finally
        {
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
        }
    }

    private sealed record CheckpointFile(string Path, string Sha256, long Size);

    private sealed record CheckpointIndex(IReadOnlyList<CheckpointFile> Files);
}
