using OnlyPrompt.Model.Configuration;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>
/// Keys and values of every layer for a batch being decoded, preallocated to the final length so each step
/// writes in place instead of concatenating. Owns its memory: dispose it when generation ends.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    public KvCache(LlamaConfig config, long batch, long capacity, ScalarType dtype, Device device)
    {
        Capacity = capacity;
        keys = new Tensor[config.NumHiddenLayers];
        values = new Tensor[config.NumHiddenLayers];
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            keys[layer] = zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
            values[layer] = zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
        }
    }

    public long Capacity { get; }

    /// <summary>Positions already written (the same for every layer).</summary>
    public long Length { get; private set; }

    /// <summary>Writes this step's keys and values ([B, Hkv, T, D]) and returns views of everything so far.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues)
    {
        var steps = newKeys.shape[2];
        if (Length + steps > Capacity)
            throw new InvalidOperationException($"KV cache holds {Capacity} positions; cannot append {steps} after {Length}.");
        keys[layer].narrow(2, Length, steps).copy_(newKeys);
        values[layer].narrow(2, Length, steps).copy_(newValues);
        return (keys[layer].narrow(2, 0, Length + steps), values[layer].narrow(2, 0, Length + steps));
    }

    /// <summary>Called once per forward pass, after every layer has appended.</summary>
    public void Advance(long steps) => Length += steps;

    public void Dispose()
    {
        foreach (var t in keys.Concat(values))
            t.Dispose();
    }
}
