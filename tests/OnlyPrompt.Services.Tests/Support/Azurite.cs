namespace OnlyPrompt.Services.Tests.Support;

/// <summary>A real Azurite (<see cref="AzuriteProcess"/>), in memory, for one test collection.</summary>
public sealed class Azurite : IAsyncLifetime
{
    private AzuriteProcess? process;

    public string ConnectionString => (process ?? throw new InvalidOperationException("Azurite has not started.")).ConnectionString;

    public async Task InitializeAsync() => process = await AzuriteProcess.StartAsync(Repository.Root, location: null);

    public async Task DisposeAsync()
    {
        if (process is not null)
            await process.DisposeAsync();
    }
}
