using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Lora;
using OnlyPrompt.NativeMemory;
using OnlyPrompt.Settings;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Bench;

/// <summary>Preference-training steps of --batch pairs whose rows are --seq tokens; reports the median step after the first.</summary>
public static class TrainBenchmark
{
    public static object Run(LlamaForCausalLM policy, BenchOptions options, Func<int, int[]> randomTokens, MatmulPeak matmulPeak)
    {
        var loss = PreferenceLossFacts.Parse(options.Loss);
        var promptLength = options.Sequence / 4;
        var (pairs, liveReference) = Pairs(policy, options, loss, promptLength, randomTokens);

        if (options.Lora is { } rank)
            LoraAdapters.Attach(policy, new LoraSettings(rank, 2 * rank, 0, LoraSettings.AllProjections), seed: 1);
        policy.GradientCheckpointing = options.Checkpointing;
        var trainingOptions = new TrainingOptions
        {
            LearningRate = 1e-5, Schedule = LearningRateSchedule.Constant, Epochs = options.Steps + 1, MaxSteps = options.Steps + 1,
            TokensPerBatch = 2 * options.Batch * options.Sequence, MixedPrecision = options.MixedPrecision,
        };
        var stepSeconds = new List<double>();
        var stepRss = new List<double>();
        var stepLiveTensors = new List<long>();
        var tokensPerStep = 2L * options.Batch * options.Sequence;
        var setupPeak = Memory.PeakRssMegabytes(); // the model's creation and the reference log-probs
        var trainingPeakMeasured = Memory.TryResetPeak();
        new Trainer<PreferencePair>(policy, new PreferenceObjective(loss, new LossSettings(), liveReference), trainingOptions)
            .Train(pairs, progress: p =>
            {
                stepSeconds.Add(tokensPerStep / p.TokensPerSecond);
                stepRss.Add(Memory.CurrentRssMegabytes());
                stepLiveTensors.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            });
        liveReference?.Dispose();

        var trainingPeak = Memory.PeakRssMegabytes(); // from the Trainer's start, where the peak could be reset
        var timed = stepSeconds.Skip(1).Order().ToList(); // the first step warms up
        var median = timed[timed.Count / 2];
        var gflops = FlopsPerToken(policy.Config, options, promptLength) * tokensPerStep / median / 1e9;
        var hardwareGflops = gflops + RecomputedFlopsPerToken(policy.Config, options) * tokensPerStep / median / 1e9;
        var matmulPeakGflops = matmulPeak.Measure();
        return new
        {
            op = "train",
            loss = options.Loss,
            reference = loss.NeedsReference() ? (options.NoReferenceCache ? "live" : "cached") : "none",
            tokens_per_s = Math.Round(tokensPerStep / median, 1),
            ms_per_step = Math.Round(median * 1000, 1),
            gflops = Math.Round(gflops, 1),
            peak_fraction = Math.Round(gflops / matmulPeakGflops, 3),
            hardware_peak_fraction = Math.Round(hardwareGflops / matmulPeakGflops, 3), // with checkpointing's recomputation
            matmul_peak_gflops = Math.Round(matmulPeakGflops, 1),
            peak_rss_mb = Math.Max(setupPeak, trainingPeak),
            training_peak_rss_mb = trainingPeakMeasured ? trainingPeak : (double?)null,
            // after the warm-up step to the last: flat unless something leaks
            rss_growth_mb = Math.Round(stepRss[^1] - stepRss[Math.Min(1, stepRss.Count - 1)], 1),
            rss_after_each_step_mb = stepRss, // where the allocator settles, and whether growth goes on
            live_tensors_after_each_step = stepLiveTensors, // tensors not yet disposed: a rising count is a leak the GC would free late
            shape = options.Shape,
            parameters = policy.parameters().Sum(p => p.numel()),
            trained_parameters = policy.parameters().Where(p => p.requires_grad).Sum(p => p.numel()),
            lora_rank = options.Lora,
            checkpointing = options.Checkpointing,
            mixed_precision = options.MixedPrecision,
            dtype = options.DType,
            threads = get_num_threads(),
            allocator = MallocTuning.Allocator,
        };
    }

    // Random pairs, with their reference log-probs cached, or beside a live reference model when --no-ref-cache asks for one.
    private static (List<PreferencePair> Pairs, LlamaForCausalLM? LiveReference) Pairs(LlamaForCausalLM policy, BenchOptions options,
        PreferenceLoss loss, int promptLength, Func<int, int[]> randomTokens)
    {
        var pairs = Enumerable.Range(0, options.Batch).Select(i => new PreferencePair($"pair-{i}", randomTokens(promptLength),
            randomTokens(options.Sequence - promptLength), randomTokens(options.Sequence - promptLength))).ToList();
        if (!loss.NeedsReference())
            return (pairs, null);
        if (!options.NoReferenceCache)
            return (ReferenceCache.Attach(policy, pairs, options.Batch, options.MixedPrecision).ToList(), null);
        var liveReference = LlamaForCausalLM.CreateRandom(policy.Config, seed: 2);
        liveReference.to(policy.DType).to(policy.Device);
        liveReference.eval();
        return (pairs, liveReference);
    }

    // Floating-point operations per trained token: the forward, then the backward, twice the forward for the activations'
    // gradients and once more for the weights' (full fine-tuning only).
    private static double FlopsPerToken(LlamaConfig config, BenchOptions options, int promptLength) =>
        (options.Lora is null ? 3 : 2) * Flops.ForwardPerToken(config, (double)(options.Sequence - promptLength) / options.Sequence,
            options.Sequence / 2.0);

    // Checkpointing runs each layer's forward again in the backward: work the matmuls do that the model's FLOPs leave out
    // (hardware FLOPs, against model FLOPs).
    private static double RecomputedFlopsPerToken(LlamaConfig config, BenchOptions options) =>
        options.Checkpointing ? Flops.ForwardPerToken(config, headFraction: 0, options.Sequence / 2.0) : 0;
}
