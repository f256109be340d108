using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Loop;

/// <summary>
/// TorchSharp's AdamW, with its state, options and checkpoints, whose step frees each parameter's temporaries before
/// the next parameter. TorchSharp's step holds them all in one dispose scope to its end: the gradient wrapper and
/// two parameter-sized tensors per parameter, so for a moment two more fp32 copies of every trained weight
/// (docs/platform.md). The arithmetic is the same, op for op, so the updates are bit for bit TorchSharp's.
/// </summary>
public sealed class LeanAdamW(IEnumerable<AdamW.ParamGroup> groups, double learningRate, double beta1, double beta2, double epsilon)
    : AdamW(groups, learningRate, beta1, beta2, epsilon)
{
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (closure is not null)
            throw new NotSupportedException("LeanAdamW takes no closure.");
        using var _ = no_grad();
        foreach (var group in _parameter_groups)
        {
            var options = (Options)group.Options;
            if (options.amsgrad == true || options.maximize == true)
                throw new NotSupportedException("LeanAdamW implements neither amsgrad nor maximize.");
            var (beta1, beta2, lr) = (options.beta1!.Value, options.beta2!.Value, options.LearningRate!.Value);
            foreach (var param in group.Parameters)
            {
                using var scope = NewDisposeScope();
                if (param.grad is not { } grad)
                    continue;
                var state = (State)_state[param.Handle];
                state.step += 1;
                param.mul_(1 - lr * options.weight_decay!.Value);
                var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1);
                state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
                var denominator = state.exp_avg_sq.sqrt().div_(Math.Sqrt(biasCorrection2)).add_(options.eps!.Value);
                param.addcdiv_(state.exp_avg, denominator, value: -lr / biasCorrection1);
            }
        }
        return null!;
    }
}
