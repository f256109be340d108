using OnlyPrompt.Common.V1;
using OnlyPrompt.Model;
using OnlyPrompt.Services;

namespace OnlyPrompt.Sampler.OpenAi;

/// <summary>
/// Keeps the checkpoint the OpenAI-compatible endpoints used last in memory, so a stream of requests to one model
/// loads it once. Only called inside the <see cref="ComputeGate"/>, which serialises all use.
/// </summary>
public sealed class ResidentModel(ModelStore models) : IDisposable
{
    private (string Sha256, PretrainedModel Model)? loaded;

    public T Use<T>(CheckpointRef checkpoint, Func<PretrainedModel, T> work, CancellationToken cancellation)
    {
        if (loaded?.Sha256 != checkpoint.Sha256)
        {
            loaded?.Model.Dispose();
            loaded = null;
            loaded = (checkpoint.Sha256, models.LoadForInferenceAsync(checkpoint, cancellation).GetAwaiter().GetResult());
        }
        return work(loaded.Value.Model);
    }

    public void Dispose() => loaded?.Model.Dispose();
}
