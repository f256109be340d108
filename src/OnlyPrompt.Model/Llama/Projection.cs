using OnlyPrompt.Settings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>
/// A linear projection with Hugging Face's parameter names (<c>weight</c> [out, in], optional <c>bias</c>) that can
/// carry one LoRA adapter with PEFT's names: y = x Wᵀ + b + (alpha / r) · B(A(dropout(x))), A = <c>lora_A</c> [r, in],
/// B = <c>lora_B</c> [out, r].
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private Linear? lora_A;
    private Linear? lora_B;
    private Dropout? lora_dropout;
    private Scalar? scaling; // held for the module's life: see LiveScalars

    public Projection(long inFeatures, long outFeatures, bool hasBias) : base(nameof(Projection))
    {
        weight = new Parameter(empty(outFeatures, inFeatures));
        if (hasBias)
            bias = new Parameter(zeros(outFeatures));
        RegisterComponents();
    }

    public bool HasAdapter => lora_A is not null;

    /// <summary>
    /// Adds an adapter as PEFT initialises one: A Kaiming-uniform, B zero, so the projection is unchanged until trained.
    /// The adapter is fp32 whatever the weight's dtype, as PEFT's <c>autocast_adapter_dtype</c> keeps it: a bf16 base
    /// then needs no fp32 copy for its adapter to train and be saved at full precision.
    /// </summary>
    public void AddAdapter(LoraSettings settings, Generator generator)
    {
        if (HasAdapter)
            throw new InvalidOperationException("this projection already has an adapter.");
        long output = weight.shape[0], input = weight.shape[1];
        lora_A = nn.Linear(input, settings.Rank, hasBias: false, device: weight.device, dtype: ScalarType.Float32);
        lora_B = nn.Linear(settings.Rank, output, hasBias: false, device: weight.device, dtype: ScalarType.Float32);
        using (no_grad())
        {
            var bound = 1 / Math.Sqrt(input); // kaiming_uniform_(a = sqrt(5)), as PEFT's reset_lora_parameters
            lora_A.weight!.uniform_(-bound, bound, generator);
            lora_B.weight!.zero_();
        }
        lora_dropout = nn.Dropout(settings.Dropout);
        scaling = (settings.Alpha / settings.Rank).ToScalar();
        register_module(nameof(lora_A), lora_A);
        register_module(nameof(lora_B), lora_B);
        register_module(nameof(lora_dropout), lora_dropout);
    }

    /// <summary>Folds the adapter into the weight (W += (alpha / r) · B A) and removes it.</summary>
    public void MergeAdapter()
    {
        if (lora_A is null || lora_B is null || scaling is null)
            throw new InvalidOperationException("this projection has no adapter to merge.");
        using (no_grad())
        {
            using var delta = lora_B.weight!.to(ScalarType.Float32).matmul(lora_A.weight!.to(ScalarType.Float32)).mul_(scaling);
            weight.PlusInPlace(delta.to(weight.dtype));
        }
        foreach (var name in new[] { nameof(lora_A), nameof(lora_B), nameof(lora_dropout) })
            _internal_submodules.Remove(name);
        (lora_A, lora_B, lora_dropout, scaling) = (null, null, null, null);
    }

    public override Tensor forward(Tensor x)
    {
        var projected = nn.functional.linear(x, weight, bias);
        if (lora_A is null || lora_B is null || lora_dropout is null || scaling is null)
            return projected;
        using var scope = NewDisposeScope();
        // The adapter computes in its own dtype (fp32 beside a bf16 base, or both bf16 under mixed precision).
        var adapted = lora_B.call(lora_A.call(lora_dropout.call(x.to(lora_A.weight!.dtype)))).mul_(scaling);
        return projected.PlusInPlace(adapted.to(projected.dtype)).MoveToOuterDisposeScope();
    }
}
