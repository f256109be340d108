using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>Root-mean-square layer norm, computed in fp32 and cast back, as Hugging Face's LlamaRMSNorm does.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Scalar epsilon; // held for the module's life: see LiveScalars

    public RmsNorm(long dim, double epsilon) : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(dim));
        this.epsilon = epsilon.ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var normalised = x32 * x32.pow(LiveScalars.Two).mean([-1], keepdim: true).add(epsilon, LiveScalars.One).rsqrt();
        return (weight * normalised.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
