using OnlyPrompt.Model.Llama;
using static TorchSharp.torch.autograd;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Scoring;

/// <summary>
/// log softmax(hidden · weightᵀ)[target] for each row, without ever holding the [rows, vocab] logits: the vocabulary
/// goes through in slices of about <see cref="ChunkBytes"/> of fp32 logits, forward (each slice's logsumexp, combined)
/// and backward (each slice's softmax turned into its share of the hidden states' gradient and its own rows of the
/// head's). With a 152k-token vocabulary a batch's log-probs then cost megabytes, not gigabytes. A frozen head (under
/// LoRA) needs only the hidden states' gradient, which the forward then gathers as the slices pass
/// (<see cref="ExpectedHeadRow"/>), so its backward computes no logits again. For a trained head the forward keeps
/// as many slices' logits as fit in <see cref="KeptLogitsBytes"/> in the model's dtype, and the backward recomputes
/// only the others: a kept slice spares the backward one of its three matmuls and gives the same gradients.
/// </summary>
/// <remarks>
/// Inputs: hidden [N, H] (the states that predict the counted tokens), weight [V, H], targets [N] (int64).
/// Slicing the vocabulary rather than the rows keeps every matmul large in both dimensions: with row slices, each
/// slice's matmul re-read (and the BLAS re-packed) the whole [V, H] head and wrote a [V, H] gradient (docs/platform.md).
/// Logits are computed in the model's dtype and taken to fp32 before the softmax, as the plain path does; the target's
/// logit is the fp32 dot product of its two rows, and the hidden states' gradient is summed over slices in fp32.
/// </remarks>
public sealed class TargetLogProbs : SingleTensorFunction<TargetLogProbs>
{
    public const long ChunkBytes = 64L << 20;

    /// <summary>
    /// The most a trained head's kept logits may take: 3,072 tokens' over a 32k vocabulary (197 MB in bf16, 393 MB in
    /// fp32) are all kept, over Qwen's 152k (933 MB in bf16) the first 16 of its 28 slices.
    /// </summary>
    public const long KeptLogitsBytes = 512L << 20;

    public override string Name => nameof(TargetLogProbs);

    /// <returns>[N] fp32 log-probabilities of the targets.</returns>
    public static Tensor Compute(Tensor hidden, Tensor weight, Tensor targets, long chunkBytes = ChunkBytes,
        long keptLogitsBytes = KeptLogitsBytes)
    {
        var backward = is_grad_enabled();
        var frozenHeadBackward = backward && hidden.requires_grad && !weight.requires_grad;
        var keptVocabulary = backward && weight.requires_grad
            ? SliceLogits.KeptVocabulary(hidden, weight, chunkBytes, keptLogitsBytes)
            : 0;
        return apply(hidden, weight, targets, chunkBytes, frozenHeadBackward, keptVocabulary);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (hidden, weight, targets, chunkBytes) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (long)vars[3]);
        var (frozenHeadBackward, keptVocabulary) = ((bool)vars[4], (long)vars[5]);
        using var scope = NewDisposeScope();
        var kept = keptVocabulary > 0 ? empty(hidden.shape[0] * keptVocabulary, dtype: hidden.dtype, device: hidden.device) : null;
        using var logits = new SliceLogits(hidden, weight, chunkBytes, kept);
        var expectedHead = frozenHeadBackward ? new ExpectedHeadRow(hidden) : null;
        var sliceNormalisers = logits.Slices.Select(slice =>
        {
            var z = logits.Fill(slice);
            var max = z.amax(-1);
            var sliceNormaliser = z.sub_(max.unsqueeze(1)).exp_().sum(-1).log_().PlusInPlace(max);     // logsumexp, in place
            expectedHead?.Add(logits.InComputeType(slice), weight.narrow(0, slice.Start, slice.Length), max, sliceNormaliser);
            return sliceNormaliser;
        }).ToList();
        var normalisers = stack(sliceNormalisers).logsumexp(0);                                        // [N]
        var picked = hidden.to(ScalarType.Float32).mul(weight.index_select(0, targets).to(ScalarType.Float32)).sum(1);
        ctx.save_for_backward([hidden, weight, targets, normalisers, expectedHead?.Value!, kept!]);
        ctx.save_data(nameof(chunkBytes), chunkBytes);
        normalisers.MoveToOuterDisposeScope();
        expectedHead?.Value.MoveToOuterDisposeScope();
        kept?.MoveToOuterDisposeScope();
        return picked.sub_(normalisers).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad)
    {
        var saved = ctx.get_saved_variables();
        var (hidden, weight, targets, normalisers) = (saved[0], saved[1], saved[2], saved[3]);
        var (expectedHead, kept) = (SavedTensors.OrNull(saved[4]), SavedTensors.OrNull(saved[5]));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // d/dz (z[t] - logsumexp z) = onehot(t) - softmax(z): the one-hot term at once, the softmax slice by slice.
        var g = grad.to(ScalarType.Float32).unsqueeze(1);                                               // [N, 1]
        var gradHidden = weight.index_select(0, targets).to(ScalarType.Float32).mul_(g);              // [N, H] fp32
        if (expectedHead is not null)                                                                   // a frozen head
            return [gradHidden.sub_(expectedHead.mul(g)).to(hidden.dtype).MoveToOuterDisposeScope(),
                null!, null!, null!, null!, null!];
        using var logits = new SliceLogits(hidden, weight, (long)ctx.get_data("chunkBytes"), kept);
        var gradWeight = zeros_like(weight);
        var negativeG = g.neg();
        foreach (var slice in logits.Slices)
        {
            using var sliceScope = NewDisposeScope();
            logits.Again(slice).sub_(normalisers.unsqueeze(1)).exp_().mul_(negativeG);
            var gradLogits = logits.InComputeType(slice);
            gradHidden.PlusInPlace(gradLogits.matmul(weight.narrow(0, slice.Start, slice.Length)));
            gradWeight.narrow(0, slice.Start, slice.Length).addmm_(gradLogits.t(), hidden);
        }
        gradWeight.index_add_(0, targets, hidden.to(ScalarType.Float32).mul(g).to(weight.dtype), LiveScalars.One);
        var gradHiddenOut = gradHidden.to(hidden.dtype).MoveToOuterDisposeScope();
        gradWeight.MoveToOuterDisposeScope();
        return [gradHiddenOut, gradWeight, null!, null!, null!, null!];
    }

    /// <summary>
    /// A frozen head's (under LoRA) whole backward, done in the forward: each row's softmax-weighted mean of the head's
    /// rows, Σ softmax(z)ᵥ · weightᵥ [N, H] fp32, summed slice by slice as the logits pass, each slice's share rescaled
    /// as the running normaliser grows (as online softmax does). The hidden states' gradient is then
    /// g · (weight[target] - this), and the backward computes no logits again: two matmuls per slice instead of three.
    /// </summary>
    private sealed class ExpectedHeadRow(Tensor hidden)
    {
        private readonly Tensor normaliser = full(hidden.shape[0], double.NegativeInfinity, dtype: ScalarType.Float32, device: hidden.device);

        public Tensor Value { get; } = zeros(hidden.shape[0], hidden.shape[1], dtype: ScalarType.Float32, device: hidden.device);

        /// <param name="sliceExp">exp(z - max) over one slice [N, slice], in the model's dtype</param>
        /// <param name="headSlice">the slice's rows of the head [slice, H]</param>
        /// <param name="max">the slice's row maxima [N]</param>
        /// <param name="sliceNormaliser">the slice's logsumexp [N]</param>
        public void Add(Tensor sliceExp, Tensor headSlice, Tensor max, Tensor sliceNormaliser)
        {
            using var scope = NewDisposeScope();
            var grown = normaliser.logaddexp(sliceNormaliser);
            Value.mul_(normaliser.sub(grown).exp_().unsqueeze(1))
                .add_(sliceExp.matmul(headSlice).to(ScalarType.Float32).mul_(max.sub(grown).exp_().unsqueeze(1)));
            normaliser.copy_(grown);
        }
    }

    /// <summary>
    /// One vocabulary slice's logits at a time, in buffers reused slice after slice: a fresh buffer per slice is above
    /// glibc's mmap threshold, so it would pay its page faults again every time (docs/platform.md). The logits of the
    /// leading slices that are kept are each computed into their own part of the kept buffer [N * kept vocabulary], in
    /// the model's dtype.
    /// </summary>
    private sealed class SliceLogits : IDisposable
    {
        private readonly Tensor hidden, weight, fp32;
        private readonly Tensor? compute; // the model's dtype, when it is not fp32
        private readonly Tensor? kept;
        private readonly long columns;

        public SliceLogits(Tensor hidden, Tensor weight, long chunkBytes, Tensor? kept)
        {
            (this.hidden, this.weight, this.kept) = (hidden, weight, kept);
            var rows = hidden.shape[0];
            columns = Columns(hidden, weight, chunkBytes);
            fp32 = empty(rows * columns, dtype: ScalarType.Float32, device: hidden.device);
            compute = hidden.dtype == ScalarType.Float32 ? null : empty(rows * columns, dtype: hidden.dtype, device: hidden.device);
        }

        public IEnumerable<(long Start, long Length)> Slices
        {
            get
            {
                for (long start = 0; start < weight.shape[0]; start += columns)
                    yield return (start, Math.Min(columns, weight.shape[0] - start));
            }
        }

        /// <summary>The vocabulary rows whose logits fit in <paramref name="keptLogitsBytes"/>, in whole slices.</summary>
        public static long KeptVocabulary(Tensor hidden, Tensor weight, long chunkBytes, long keptLogitsBytes)
        {
            var columns = Columns(hidden, weight, chunkBytes);
            var slices = keptLogitsBytes / (hidden.shape[0] * columns * hidden.ElementSize);
            return Math.Min(weight.shape[0], slices * columns);
        }

        private static long Columns(Tensor hidden, Tensor weight, long chunkBytes) =>
            Math.Min(weight.shape[0], Math.Max(1, chunkBytes / (hidden.shape[0] * sizeof(float))));

        /// <summary>The slice's fp32 logits [N, slice], computed in the model's dtype; valid until the next call.</summary>
        public Tensor Fill((long Start, long Length) slice)
        {
            var head = weight.narrow(0, slice.Start, slice.Length).t();
            var logits = View(fp32, slice);
            if (IsKept(slice))
                return logits.copy_(KeptView(slice).addmm_(hidden, head, beta: 0, alpha: 1));
            if (compute is null)
                return logits.addmm_(hidden, head, beta: 0, alpha: 1);
            return logits.copy_(View(compute, slice).addmm_(hidden, head, beta: 0, alpha: 1));
        }

        /// <summary>The slice's fp32 logits [N, slice] as <see cref="Fill"/> gave them: kept, or computed again.</summary>
        public Tensor Again((long Start, long Length) slice) =>
            IsKept(slice) ? View(fp32, slice).copy_(KeptView(slice)) : Fill(slice);

        private bool IsKept((long Start, long Length) slice) =>
            kept is not null && (slice.Start + slice.Length) * hidden.shape[0] <= kept.shape[0];

        /// <summary>The fp32 buffer's slice in the model's dtype, for the backward's matmuls.</summary>
        public Tensor InComputeType((long Start, long Length) slice) =>
            compute is null ? View(fp32, slice) : View(compute, slice).copy_(View(fp32, slice));

        public void Dispose()
        {
            fp32.Dispose();
            compute?.Dispose();
        }

        private Tensor View(Tensor buffer, (long Start, long Length) slice) =>
            buffer.narrow(0, 0, hidden.shape[0] * slice.Length).view(hidden.shape[0], slice.Length);

        private Tensor KeptView((long Start, long Length) slice) => kept!
            .narrow(0, hidden.shape[0] * slice.Start, hidden.shape[0] * slice.Length).view(hidden.shape[0], slice.Length);
    }
}
