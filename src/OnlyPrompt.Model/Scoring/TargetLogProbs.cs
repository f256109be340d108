using OnlyPrompt.Model.Llama;
using static TorchSharp.torch.autograd;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Scoring;

/// <summary>
/// log softmax(hidden · weightᵀ)[target] for each row, without ever holding the [rows, vocab] logits: rows go through
/// in chunks of about <see cref="ChunkBytes"/> of fp32 logits, forward and backward (the backward recomputes each
/// chunk's logits and turns them into the gradients of the hidden states and the head weight at once). With a
/// 152k-token vocabulary a batch's log-probs then cost megabytes, not gigabytes. Logits are computed in the model's
/// dtype and taken to fp32 before the softmax, exactly as the plain path does.
/// </summary>
/// <remarks>Inputs: hidden [N, H] (the states that predict the counted tokens), weight [V, H], targets [N] (int64).</remarks>
public sealed class TargetLogProbs : SingleTensorFunction<TargetLogProbs>
{
    public const long ChunkBytes = 64L << 20;

    public override string Name => nameof(TargetLogProbs);

    /// <returns>[N] fp32 log-probabilities of the targets.</returns>
    public static Tensor Compute(Tensor hidden, Tensor weight, Tensor targets, long chunkBytes = ChunkBytes) => apply(hidden, weight, targets, chunkBytes);

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (hidden, weight, targets, chunkBytes) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (long)vars[3]);
        var rows = hidden.shape[0];
        var logProbs = empty(rows, dtype: ScalarType.Float32, device: hidden.device);
        var normalisers = empty(rows, dtype: ScalarType.Float32, device: hidden.device);
        foreach (var (start, length) in Chunks(rows, weight.shape[0], chunkBytes))
        {
            using var scope = NewDisposeScope();
            var logits = hidden.narrow(0, start, length).matmul(weight.t()).to(ScalarType.Float32);           // [c, V]
            var normaliser = logits.logsumexp(-1);
            var picked = logits.gather(1, targets.narrow(0, start, length).unsqueeze(1)).squeeze(1);
            logProbs.narrow(0, start, length).copy_(picked - normaliser);
            normalisers.narrow(0, start, length).copy_(normaliser);
        }
        ctx.save_for_backward([hidden, weight, targets, normalisers]);
        ctx.save_data(nameof(chunkBytes), chunkBytes);
        ctx.save_data("weightNeedsGradient", weight.requires_grad);
        return logProbs;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad)
    {
        var saved = ctx.get_saved_variables();
        var (hidden, weight, targets, normalisers) = (saved[0], saved[1], saved[2], saved[3]);
        var gradHidden = zeros_like(hidden);
        // A frozen head (under LoRA) gets no gradient: no [V, H] buffer and no matmul per chunk for it.
        var gradWeight = (bool)ctx.get_data("weightNeedsGradient") ? zeros_like(weight) : null;
        using (no_grad())
            foreach (var (start, length) in Chunks(hidden.shape[0], weight.shape[0], (long)ctx.get_data("chunkBytes")))
            {
                using var scope = NewDisposeScope();
                var rows = hidden.narrow(0, start, length);
                var g = grad.narrow(0, start, length).to(ScalarType.Float32).unsqueeze(1);                     // [c, 1]
                // d/dz (z[t] - logsumexp z) = onehot(t) - softmax(z)
                var gradLogits = rows.matmul(weight.t()).to(ScalarType.Float32).sub_(normalisers.narrow(0, start, length).unsqueeze(1)).exp_().mul_(g.neg());
                gradLogits.scatter_add_(1, targets.narrow(0, start, length).unsqueeze(1), g);
                gradLogits = gradLogits.to(hidden.dtype);
                gradHidden.narrow(0, start, length).copy_(gradLogits.matmul(weight));
                gradWeight?.PlusInPlace(gradLogits.t().matmul(rows));
            }
        return [gradHidden, gradWeight!, null!, null!];
    }

    private static IEnumerable<(long Start, long Length)> Chunks(long rows, long vocabulary, long chunkBytes)
    {
        var size = Math.Max(1, chunkBytes / (vocabulary * sizeof(float)));
        for (long start = 0; start < rows; start += size)
            yield return (start, Math.Min(size, rows - start));
    }
}
