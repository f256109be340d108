using Azure.Storage.Blobs;
using OnlyPrompt.Storage;

namespace OnlyPrompt.Services.Tests.Support;

/// <summary>
/// Tests that start their own services: each test gets its own Azurite and scratch folder, so nothing it stores (runs,
/// shared stages) meets another test's.
/// </summary>
public abstract class OwnStorage : IAsyncLifetime
{
    protected Azurite Azurite { get; } = new();
    protected TempDirectory Work { get; } = new();
    protected BlobStore Store { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Store = new BlobStore(new BlobServiceClient(Azurite.ConnectionString));
    }

    public virtual async Task DisposeAsync()
    {
        await Azurite.DisposeAsync();
        Work.Dispose();
    }

    /// <summary>A service's settings against this test's storage and its own work folder.</summary>
    protected virtual string[] Settings(string service) => StackSettings.For(Azurite, Path.Combine(Work.Path, service));
}
