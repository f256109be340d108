using OnlyPrompt.Training.Loop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Tests;

/// <summary>Runs alone: the memory test reads the process's peak RSS, which tests beside it would raise.</summary>
[CollectionDefinition(nameof(LeanAdamWTests), DisableParallelization = true)]
public sealed class LeanAdamWCollection;

[Collection(nameof(LeanAdamWTests))]
public class LeanAdamWTests
{
    // Two groups as the Trainer makes them (matrices decayed, vectors not), the same gradients each step: the weights and
    // both moments must equal TorchSharp's AdamW bit for bit, and a step must leave no tensor behind.
    [Fact]
    public void StepsExactlyAsTorchSharpsAdamWAndLeavesNoTensor()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        Parameter[] Parameters() => [new(randn([6, 5], generator: generator)), new(randn([5], generator: generator))];
        var (lean, reference) = (Parameters(), Parameters());
        using (no_grad())
            for (var i = 0; i < lean.Length; i++)
                reference[i].copy_(lean[i]);
        AdamW.ParamGroup[] Groups(Parameter[] p) => [new([p[0]], 3e-2, 0.9, 0.95, 1e-8, 0.1), new([p[1]], 3e-2, 0.9, 0.95, 1e-8, 0)];
        using var leanOptimizer = new LeanAdamW(Groups(lean), 3e-2, 0.9, 0.95, 1e-8);
        using var referenceOptimizer = optim.AdamW(Groups(reference), 3e-2, 0.9, 0.95, 1e-8);

        for (var step = 0; step < 4; step++)
        {
            var gradients = lean.Select(p => randn(p.shape, generator: generator)).ToArray();
            for (var i = 0; i < lean.Length; i++)
            {
                lean[i].grad = gradients[i].clone();
                reference[i].grad = gradients[i].clone();
            }
            var liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            leanOptimizer.step();
            Assert.Equal(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            referenceOptimizer.step();
        }

        for (var i = 0; i < lean.Length; i++)
            Assert.True(lean[i].equal(reference[i]).all().item<bool>(), $"parameter {i} differs from TorchSharp's AdamW");
        var (leanState, referenceState) = (leanOptimizer.state_dict().State, referenceOptimizer.state_dict().State);
        for (var i = 0; i < leanState.Count; i++)
        {
            var (a, b) = ((AdamW.State)leanState[i], (AdamW.State)referenceState[i]);
            Assert.Equal(b.step, a.step);
            Assert.True(a.exp_avg.equal(b.exp_avg).all().item<bool>() && a.exp_avg_sq.equal(b.exp_avg_sq).all().item<bool>(), $"moments {i} differ");
        }
    }

    // Parameters of 40 MB, above glibc's largest mmap threshold, so every temporary maps fresh pages and unmaps them when
    // freed: TorchSharp's step holds two per parameter to its end (+480 MB), the lean step one at a time (+40 MB).
    [Fact]
    public void StepHoldsOneParameterSizedTemporaryAtATime()
    {
        using var scope = NewDisposeScope();
        Parameter[] Parameters() => Enumerable.Range(0, 6).Select(_ => new Parameter(ones(10L << 20))).ToArray();
        double StepPeakGrowthMegabytes(OptimizerHelper optimizer, Parameter[] parameters)
        {
            foreach (var p in parameters)
                p.grad = full_like(p, 0.5);
            optimizer.step(); // a first step, so that the measured one starts from a settled heap
            File.WriteAllText("/proc/self/clear_refs", "5"); // the peak starts again at the current RSS
            var before = StatusMegabytes("VmRSS:");
            optimizer.step();
            return StatusMegabytes("VmHWM:") - before;
        }
        var (lean, reference) = (Parameters(), Parameters());
        AdamW.ParamGroup[] Groups(Parameter[] p) => [new(p, 1e-3, 0.9, 0.999, 1e-8, 0.01)];
        using var leanOptimizer = new LeanAdamW(Groups(lean), 1e-3, 0.9, 0.999, 1e-8);
        using var referenceOptimizer = optim.AdamW(Groups(reference), 1e-3, 0.9, 0.999, 1e-8);

        var leanGrowth = StepPeakGrowthMegabytes(leanOptimizer, lean);
        var referenceGrowth = StepPeakGrowthMegabytes(referenceOptimizer, reference);

        Assert.True(referenceGrowth > 300, $"TorchSharp's step peaked {referenceGrowth:F0} MB above where it started");
        Assert.True(leanGrowth < 150, $"the lean step peaked {leanGrowth:F0} MB above where it started");
    }

    private static double StatusMegabytes(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal))
            .Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}
