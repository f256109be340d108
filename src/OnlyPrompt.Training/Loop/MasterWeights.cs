using OnlyPrompt.Model.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Loop;

/// <summary>
/// Mixed precision: the model computes forward and backward in bf16 while AdamW steps fp32 master copies of its
/// trainable parameters, so updates smaller than bf16's resolution (8 bits of mantissa) accumulate instead of being
/// rounded away. Frozen parameters (a LoRA base) stay bf16 only, which saves their fp32 copy; such a base is best loaded
/// in bf16 to begin with (<see cref="BaseDType"/>). Disposing gives every trainable parameter its master's value in
/// fp32 and casts the rest back to the dtype the model started in: an fp32 model comes back fp32, its frozen parameters
/// rounded to bf16, so an adapter trained this way is merged into the base as stored (the Trainer service does), not
/// into this model.
/// </summary>
public sealed class MasterWeights : IDisposable
{
    /// <summary>The dtype a model computes in under mixed precision.</summary>
    public const ScalarType ComputeDType = ScalarType.BFloat16;

    private readonly LlamaForCausalLM model;
    private readonly ScalarType startedIn;
    private Parameter[] compute;

    public MasterWeights(LlamaForCausalLM model, ScalarType computeType = ComputeDType)
    {
        var unfit = model.named_parameters().FirstOrDefault(p => p.parameter.requires_grad && p.parameter.dtype != ScalarType.Float32);
        if (unfit.name is not null)
            throw new ArgumentException($"mixed precision keeps fp32 masters of fp32 parameters; trainable {unfit.name} is {unfit.parameter.dtype}.",
                nameof(model));
        this.model = model;
        startedIn = model.DType;
        using (no_grad())
            Masters = Trainable().Select(p =>
            {
                // Disposed at once: an undisposed view would keep the fp32 weights alive beside the bf16 copy until a GC.
                using var view = p.detach();
                return new Parameter(view.clone(), requires_grad: true);
            }).ToArray();
        model.to(computeType);
        compute = Trainable();
    }

    /// <summary>The fp32 parameters the optimizer steps, in the model's parameter order.</summary>
    public Parameter[] Masters { get; }

    /// <summary>After backward: the model's bf16 gradients, in fp32, become the masters' (and the model's are zeroed).</summary>
    public void TakeGradients()
    {
        // The scope frees the wrappers the grad getters return; the gradients themselves live on in their parameters.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (var i = 0; i < compute.Length; i++)
        {
            if (compute[i].grad is not { } gradient)
                continue;
            Masters[i].grad = gradient.to(ScalarType.Float32);
            gradient.zero_();
        }
    }

    /// <summary>
    /// After the optimizer step: the model computes with the masters' new values, rounded to bf16, and the masters' fp32
    /// gradients are freed, so that they do not sit beside the next step's activations (two bytes more per trained
    /// parameter than the model's own bf16 gradients, 2 GB at 0.5B); <see cref="TakeGradients"/> makes them anew.
    /// </summary>
    public void PutWeights()
    {
        using var _ = no_grad();
        for (var i = 0; i < compute.Length; i++)
        {
            compute[i].copy_(Masters[i]);
            Masters[i].grad = null;
        }
    }

    /// <summary>
    /// The dtype to load a model in for mixed-precision training: a LoRA base is frozen and computes in bf16, so it never
    /// needs fp32 (half the memory of the model); a model trained whole starts in fp32, which its masters copy exactly.
    /// </summary>
    public static ScalarType BaseDType(bool mixedPrecision, bool lora) =>
        mixedPrecision && lora ? ComputeDType : ScalarType.Float32;

    public void Dispose()
    {
        model.to(startedIn);
        foreach (var module in model.modules().Where(m => m.parameters(recurse: false).Any(p => p.requires_grad)))
            module.to(ScalarType.Float32);
        compute = Trainable();
        using (no_grad())
            for (var i = 0; i < compute.Length; i++)
                compute[i].copy_(Masters[i]);
        foreach (var master in Masters)
            master.Dispose();
    }

    private Parameter[] Trainable() => model.parameters().Where(p => p.requires_grad).ToArray();
}
