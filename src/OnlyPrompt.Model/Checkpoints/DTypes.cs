using static TorchSharp.torch;

namespace OnlyPrompt.Model.Checkpoints;

/// <summary>The floating-point dtypes a model may use, by their Hugging Face (<c>torch_dtype</c>) and short names.</summary>
public static class DTypes
{
    public static ScalarType Parse(string name, string source) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "half" => ScalarType.Float16,
        _ => throw new ModelFormatException($"{source}: dtype '{name}' is not supported; use float32, bfloat16 or float16."),
    };

    public static string Name(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new NotSupportedException($"dtype {dtype} is not a model dtype."),
    };
}
