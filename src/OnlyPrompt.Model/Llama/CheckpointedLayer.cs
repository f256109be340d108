using static TorchSharp.torch.autograd;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>
/// Activation checkpointing of one decoder layer: the forward keeps only the layer's input; the backward runs the
/// layer again with gradients on and back-propagates through that recomputation, which accumulates the layer's
/// parameter gradients and yields the input's. Activation memory becomes one layer's instead of all layers'.
/// </summary>
/// <remarks>Inputs: the layer (object), x [B, T, hidden], the rotary cos and sin, the attention mask or null.</remarks>
public sealed class CheckpointedLayer : SingleTensorFunction<CheckpointedLayer>
{
    public override string Name => nameof(CheckpointedLayer);

    public static Tensor Apply(LlamaDecoderLayer layer, Tensor x, RotaryAngles angles, Tensor? mask) =>
        apply(layer, x, angles.Cos, angles.Sin, mask!);

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (layer, x, cos, sin, mask) = ((LlamaDecoderLayer)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], vars[4] as Tensor);
        ctx.save_data(nameof(layer), layer);
        ctx.save_for_backward([x, cos, sin, mask!]);
        return layer.call(x, new RotaryAngles(cos, sin), mask, null);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad)
    {
        var layer = (LlamaDecoderLayer)ctx.get_data("layer");
        var saved = ctx.get_saved_variables();
        var mask = SavedTensors.OrNull(saved[3]);
        using var scope = NewDisposeScope();
        using var gradients = enable_grad();
        var x = saved[0].detach().requires_grad_(true);
        var output = layer.call(x, new RotaryAngles(saved[1], saved[2]), mask, null);
        output.backward([grad]);
        return [null!, x.grad!.MoveToOuterDisposeScope(), null!, null!, null!];
    }
}
