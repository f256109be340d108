using OnlyPrompt.Model.Llama;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Loop;
using OnlyPrompt.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Bench;

/// <summary>Preference-training steps of --batch pairs whose rows are --seq tokens; reports the median step after the first.</summary>
public static class TrainBenchmark
{
    public static object Run(LlamaForCausalLM policy, BenchOptions options, Func<int, int[]> randomTokens)
    {
        var loss = PreferenceLossFacts.Parse(options.Loss);
        var promptLength = options.Sequence / 4;
        var pairs = Enumerable.Range(0, options.Batch).Select(i => new PreferencePair($"pair-{i}", randomTokens(promptLength),
            randomTokens(options.Sequence - promptLength), randomTokens(options.Sequence - promptLength))).ToList();

        LlamaForCausalLM? liveReference = null;
        if (loss.NeedsReference() && options.NoReferenceCache)
        {
            liveReference = LlamaForCausalLM.CreateRandom(policy.Config, seed: 2);
            liveReference.to(policy.DType).to(policy.Device);
            liveReference.eval();
        }
        else if (loss.NeedsReference())
            pairs = ReferenceCache.Attach(policy, pairs, options.Batch).ToList();

        var trainingOptions = new TrainingOptions
        {
            LearningRate = 1e-5, Schedule = LearningRateSchedule.Constant, Epochs = options.Steps + 1, MaxSteps = options.Steps + 1,
            TokensPerBatch = 2 * options.Batch * options.Sequence,
        };
        var stepSeconds = new List<double>();
        var tokensPerStep = 2L * options.Batch * options.Sequence;
        new Trainer<PreferencePair>(policy, new PreferenceObjective(loss, new LossSettings(), liveReference), trainingOptions)
            .Train(pairs, progress: p => stepSeconds.Add(tokensPerStep / p.TokensPerSecond));
        liveReference?.Dispose();

        var timed = stepSeconds.Skip(1).Order().ToList(); // the first step warms up
        var median = timed[timed.Count / 2];
        return new
        {
            op = "train",
            loss = options.Loss,
            reference = loss.NeedsReference() ? (options.NoReferenceCache ? "live" : "cached") : "none",
            tokens_per_s = Math.Round(tokensPerStep / median, 1),
            ms_per_step = Math.Round(median * 1000, 1),
            peak_rss_mb = Memory.PeakRssMegabytes(),
            dtype = options.DType,
            threads = get_num_threads(),
        };
    }
}
