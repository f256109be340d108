using OnlyPrompt.Model.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public LlamaMlp(LlamaConfig config) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: config.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x)).MoveToOuterDisposeScope();
    }
}
