using OnlyPrompt.Model.Configuration;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>A Llama-family module with Hugging Face parameter names, as checkpoints read and write it.</summary>
public interface ILlamaModule
{
    LlamaConfig Config { get; }
    ScalarType DType { get; }
}
