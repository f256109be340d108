using System.Text.Json;
using OnlyPrompt.Bench;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.NativeMemory;
using OnlyPrompt.Settings;
using OnlyPrompt.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

if (MallocTuning.RerunWithSettingsIfNeeded(args) is { } exitCode)
    return exitCode;

// Prints one JSON line per benchmark; the best of --repeats timed runs after one warm-up.
if (args.Length == 0 || args[0] is not ("sample" or "logprobs" or "train" or "matmul" or "parts"))
{
    Console.Error.WriteLine(
        "usage: OnlyPrompt.Bench sample|logprobs|train|matmul|parts [--shape tiny|d768|qwen2.5-0.5b (first; later flags override it)] "
        + "[--loss dpo|simpo|... --no-ref-cache --steps N --lora RANK --checkpointing --mixed-precision "
        + "--dim N --layers N --heads N --kv-heads N --ff N --vocab N "
        + "--batch N --prompt-len N --new-tokens N --seq N --no-cache --dtype auto|fp32|bf16 --threads N --repeats N --device cpu|cuda]");
    return 2;
}
BenchOptions options;
try
{
    options = BenchOptions.Parse(args.Skip(1));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var device = TorchRuntime.Configure(options.Device, options.Threads);
// auto, as the services choose: where the hardware computes bf16 natively, bf16 for sampling and scoring and mixed
// precision (bf16 compute, fp32 masters) for training; fp32 elsewhere. --mixed-precision asks for it anywhere.
var dtype = options.DType != "auto" ? DTypes.Parse(options.DType, "--dtype")
    : args[0] == "train" ? ScalarType.Float32
    : Precision.ForInference(device);
options = options with
{
    DType = DTypes.Name(dtype),
    MixedPrecision = options.MixedPrecision || args[0] == "train" && options.DType == "auto" && Precision.HasFastBf16(device),
};
// Mixed-precision training computes in bf16, so its fraction of peak is against bf16's matmul.
var matmulPeak = new MatmulPeak(args[0] == "train" && options.MixedPrecision ? ScalarType.BFloat16 : dtype, device);
matmulPeak.Measure();
if (args[0] == "matmul")
{
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        op = "matmul", dtype = options.DType, gflops = Math.Round(matmulPeak.Measure(), 1), threads = get_num_threads(),
        fast_bf16 = Precision.CpuHasFastBf16(), allocator = MallocTuning.Allocator,
    }));
    return 0;
}
if (args[0] == "parts")
{
    foreach (var part in PartsBenchmark.Run(options.ModelConfig(), options, dtype, device, matmulPeak))
        Console.WriteLine(JsonSerializer.Serialize(part));
    return 0;
}
// Created in the dtype it runs in, as a checkpoint is loaded: a LoRA base under mixed precision is bf16 from the start.
var modelDType = args[0] == "train" && options.MixedPrecision ? MasterWeights.BaseDType(true, options.Lora is not null) : dtype;
using var model = LlamaForCausalLM.CreateRandom(options.ModelConfig(), seed: 1, modelDType);
model.to(device);
model.eval();
var random = new Random(42);
int[] RandomTokens(int count) => Enumerable.Range(0, count).Select(_ => random.Next(2, options.Vocab)).ToArray();

object result;
if (args[0] == "sample")
{
    var prompts = Enumerable.Range(0, options.Batch).Select(_ => RandomTokens(options.PromptLength)).ToArray();
    var sampling = new SamplingOptions { MaxNewTokens = options.NewTokens, Temperature = 1.0, TopK = 50, Seed = 1, UseKvCache = !options.NoCache };
    var generator = new BatchGenerator(model);
    var (seconds, rssGrowth) = Timing.BestOf(options.Repeats, device, () => generator.Generate(prompts, sampling));
    var gflops = Flops.ForwardPerToken(model.Config, 1, options.PromptLength
        + options.NewTokens / 2.0) * options.Batch * options.NewTokens / seconds / 1e9;
    var peakGflops = matmulPeak.Measure();
    result = new
    {
        op = "sample",
        shape = options.Shape,
        new_tokens_per_s = Math.Round(options.Batch * options.NewTokens / seconds, 1),
        gflops = Math.Round(gflops, 1),
        peak_fraction = Math.Round(gflops / peakGflops, 3),
        matmul_peak_gflops = Math.Round(peakGflops, 1),
        ms_per_step = Math.Round(seconds * 1000 / options.NewTokens, 3),
        peak_rss_mb = Memory.PeakRssMegabytes(),
        rss_growth_mb = rssGrowth,
        kv_cache = !options.NoCache,
        dtype = options.DType,
        threads = get_num_threads(),
        allocator = MallocTuning.Allocator,
    };
}
else if (args[0] == "train")
{
    result = TrainBenchmark.Run(model, options, RandomTokens, matmulPeak);
}
else
{
    var examples = Enumerable.Range(0, options.Batch)
        .Select(_ => new PromptResponse(RandomTokens(options.Sequence / 4), RandomTokens(options.Sequence - options.Sequence / 4))).ToArray();
    var (seconds, rssGrowth) = Timing.BestOf(options.Repeats, device, () => ResponseLogProbs.Score(model, examples, options.Batch));
    result = new
    {
        op = "logprobs",
        tokens_per_s = Math.Round(options.Batch * options.Sequence / seconds, 1),
        peak_rss_mb = Memory.PeakRssMegabytes(),
        rss_growth_mb = rssGrowth,
        dtype = options.DType,
        threads = get_num_threads(),
    };
}
Console.WriteLine(JsonSerializer.Serialize(result));
return 0;
