using OnlyPrompt.Model.Configuration;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>cos and sin of the rotary angles for a batch of positions, each [B, T, head_dim].</summary>
public sealed record RotaryAngles(Tensor Cos, Tensor Sin);

/// <summary>Rotary position embeddings in Hugging Face's rotate-half layout, with optional Llama-3 frequency scaling.</summary>
public sealed class RotaryEmbedding
{
    private readonly float[] inverseFrequencies;

    public RotaryEmbedding(LlamaConfig config)
    {
        var dim = config.HeadDim;
        inverseFrequencies = new float[dim / 2];
        for (var i = 0; i < dim / 2; i++)
            inverseFrequencies[i] = (float)(1.0 / Math.Pow(config.RopeTheta, (float)(2 * i) / dim));
        if (config.RopeScaling is { } scaling)
            ApplyLlama3Scaling(inverseFrequencies, scaling);
    }

    // Llama-3.1's scaling: long wavelengths are divided by `factor`, short ones kept, the band between interpolated.
    private static void ApplyLlama3Scaling(float[] frequencies, Llama3RopeScaling s)
    {
        var lowFrequencyWavelength = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        var highFrequencyWavelength = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        for (var i = 0; i < frequencies.Length; i++)
        {
            var wavelength = 2 * Math.PI / frequencies[i];
            if (wavelength < highFrequencyWavelength)
                continue;
            if (wavelength > lowFrequencyWavelength)
            {
                frequencies[i] = (float)(frequencies[i] / s.Factor);
                continue;
            }
            var smooth = (s.OriginalMaxPositionEmbeddings / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
            frequencies[i] = (float)((1 - smooth) * frequencies[i] / s.Factor + smooth * frequencies[i]);
        }
    }

    /// <param name="positions">[B, T] int64 positions.</param>
    public RotaryAngles Angles(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inverse = tensor(inverseFrequencies, device: positions.device);                  // [D/2]
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * inverse;               // [B, T, D/2]
        var full = cat([angles, angles], dim: -1);                                            // [B, T, D]
        return new RotaryAngles(full.cos().to(dtype).MoveToOuterDisposeScope(), full.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <param name="x">[B, H, T, D]</param>
    public static Tensor Apply(Tensor x, RotaryAngles angles)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], dim: -1);        // rotate_half
        var cos = angles.Cos.unsqueeze(1);                                                    // [B, 1, T, D]
        var sin = angles.Sin.unsqueeze(1);
        return (x * cos).Plus(rotated * sin).MoveToOuterDisposeScope();
    }
}
