using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Settings;
using OnlyPrompt.TestSupport.Models;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Loop;
using OnlyPrompt.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Tests;

public class TrainingTests
{
    /// <summary>Pairs whose chosen response counts up from the prompt's last token and whose rejected one repeats it.</summary>
    private static List<PreferencePair> Pairs(int count, int seed = 3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var prompt = Enumerable.Range(0, random.Next(3, 7)).Select(_ => random.Next(2, 30)).ToArray();
            var start = prompt[^1];
            var chosen = Enumerable.Range(1, 4).Select(k => 2 + (start + k) % 60).ToArray();
            var rejected = Enumerable.Repeat(start, 4).ToArray();
            return new PreferencePair($"pair-{i}", prompt, chosen, rejected);
        }).ToList();
    }

    private static double AverageLogProbMargin(LlamaForCausalLM model, IReadOnlyList<PreferencePair> pairs)
    {
        using var _ = no_grad();
        var (logProbs, _) = PairScoring.Score(model, pairs);
        return (logProbs.ChosenAverage - logProbs.RejectedAverage).mean().item<float>();
    }

    public static TheoryData<PreferenceLoss> AllLosses() => new(Enum.GetValues<PreferenceLoss>());

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void AFewStepsIncreaseTheChosenOverRejectedMargin(PreferenceLoss loss)
    {
        using var model = TinyModels.Create(seed: 5);
        var pairs = ReferenceCache.Attach(model, Pairs(16), pairsPerBatch: 8);
        var before = AverageLogProbMargin(model, pairs);
        var options = new TrainingOptions { LearningRate = 3e-3, Schedule = LearningRateSchedule.Constant, Epochs = 3,
            TokensPerBatch = 160, Seed = 1 };
        var settings = new LossSettings { Beta = 0.5, Gamma = 0.1, Lambda = 0.1, Alpha = 0.01 };
        new Trainer<PreferencePair>(model, new PreferenceObjective(loss, settings), options).Train(pairs);
        var after = AverageLogProbMargin(model, pairs);
        Assert.True(after > before + 0.1, $"{loss}: margin {before:F3} -> {after:F3}");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)] // 0: no clipping, the default of a spec that leaves max_grad_norm out
    public void SftLowersTheResponseNll(double maxGradNorm)
    {
        using var model = TinyModels.Create(seed: 5);
        var examples = Pairs(16).Select(p => new SftExample(p.Id, p.Prompt, p.Chosen)).ToList();
        var trainer = new Trainer<SftExample>(model, new SftObjective(),
            new TrainingOptions { LearningRate = 3e-3, Epochs = 8, TokensPerBatch = 80, MaxGradNorm = maxGradNorm });
        var before = trainer.Evaluate(examples)[LossMetrics.Loss];
        trainer.Train(examples);
        var after = trainer.Evaluate(examples)[LossMetrics.Loss];
        Assert.True(after < before - 0.5, $"SFT loss {before:F3} -> {after:F3}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StepsLeaveNoTensorForTheFinalizer(bool mixedPrecision)
    {
        // Every tensor a step makes is disposed by the step: the count of live tensors after each step stays where the
        // first one left it (gradients and AdamW state), instead of rising until the GC runs the finalizers.
        using var model = TinyModels.Create(seed: 5);
        var pairs = ReferenceCache.Attach(model, Pairs(16), pairsPerBatch: 8);
        var options = new TrainingOptions { LearningRate = 1e-3, Epochs = 3, TokensPerBatch = 160, MixedPrecision = mixedPrecision };
        var live = new List<long>();
        new Trainer<PreferencePair>(model, new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings()), options)
            .Train(pairs, progress: _ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        Assert.True(live.Count >= 4, $"{live.Count} steps");
        Assert.All(live, count => Assert.Equal(live[0], count));
    }

    [Fact]
    public void CachedAndLiveReferenceGiveTheSameLoss()
    {
        using var policy = TinyModels.Create(seed: 5);
        using var reference = TinyModels.Create(seed: 6);
        var pairs = Pairs(6);
        var cached = ReferenceCache.Attach(reference, pairs, pairsPerBatch: pairs.Count);
        using var _ = no_grad();
        var live = new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings(), reference).Loss(policy, pairs);
        var fromCache = new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings()).Loss(policy, cached);
        Assert.Equal(live.Loss.item<float>(), fromCache.Loss.item<float>());
        Assert.Equal(live.MetricSums, fromCache.MetricSums);
    }

    [Fact]
    public void UnderMixedPrecisionTheReferenceIsScoredInBf16SoTheFirstStepStartsAtLogRatioZero()
    {
        using var model = TinyModels.Create(seed: 5);
        var before = model.parameters().Select(p => p.data<float>().ToArray()).ToList();
        var pairs = Pairs(8);
        // One batch, as the policy scores them below: bf16 results depend on the batch's shape.
        var fp32 = ReferenceCache.Attach(model, pairs, pairsPerBatch: 8);
        var bf16 = ReferenceCache.Attach(model, pairs, pairsPerBatch: 8, mixedPrecision: true);

        // The weights come back bit for bit, and fp32 is untouched by the option's absence.
        Assert.Equal(ScalarType.Float32, model.DType);
        Assert.Equal(before, model.parameters().Select(p => p.data<float>().ToArray()).ToList());
        using var masters = new MasterWeights(model);
        using var _ = no_grad();
        var (policy, _) = PairScoring.Score(model, pairs);
        var (chosen, rejected) = (policy.Chosen.data<float>().ToArray(), policy.Rejected.data<float>().ToArray());
        Assert.Equal(chosen, bf16.Select(p => p.ReferenceChosen!.Value));
        Assert.Equal(rejected, bf16.Select(p => p.ReferenceRejected!.Value));
        // In fp32 the cached values differ from the bf16 policy's by its rounding, which DPO would read as a margin.
        Assert.NotEqual(chosen, fp32.Select(p => p.ReferenceChosen!.Value));
    }

    [Fact]
    public void TheNllContextRowScoresEachChosenResponseAfterItsNllPrompt()
    {
        using var model = TinyModels.Create(seed: 5);
        var pairs = Pairs(5).Select((p, i) => i == 2 ? p : p with { NllPrompt = [7, 8, .. p.Prompt] }).ToList();
        using var _ = no_grad();
        var (logProbs, _) = PairScoring.Score(model, pairs, nllContext: true);
        var alone = ResponseLogProbs.Score(model,
            pairs.Select(p => new PromptResponse(p.NllPrompt ?? p.Prompt, p.Chosen)).ToList(), batchSize: 1).Sum;
        Assert.Equal(alone, logProbs.ChosenInNllContext!.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Equal(logProbs.Chosen.data<float>()[2], logProbs.ChosenInNllContext.data<float>()[2], 4);
        Assert.NotEqual(logProbs.Chosen.data<float>()[0], logProbs.ChosenInNllContext.data<float>()[0], 2);
    }

    [Fact]
    public void MixedPrecisionAccumulatesUpdatesBf16WouldRoundAwayAndEndsWithAnFp32Model()
    {
        // An AdamW step moves each weight by about the learning rate; 1e-5 is below bf16's resolution near weights of
        // size 0.02 (about 1e-4), so a model trained in plain bf16 cannot move, while fp32 masters accumulate the steps.
        var examples = Pairs(16).Select(p => new SftExample(p.Id, p.Prompt, p.Chosen)).ToList();
        var options = new TrainingOptions { LearningRate = 1e-5, Schedule = LearningRateSchedule.Constant, Epochs = 4, TokensPerBatch = 80 };
        using var reference = TinyModels.Create(seed: 5);
        var before = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.to(ScalarType.BFloat16).to(ScalarType.Float32));

        using var mixed = TinyModels.Create(seed: 5);
        new Trainer<SftExample>(mixed, new SftObjective(), options with { MixedPrecision = true }).Train(examples);
        using var plainBf16 = TinyModels.Create(seed: 5);
        plainBf16.to(ScalarType.BFloat16);
        new Trainer<SftExample>(plainBf16, new SftObjective(), options).Train(examples);

        Assert.Equal(ScalarType.Float32, mixed.DType);
        static double Moved(LlamaForCausalLM model, Dictionary<string, Tensor> before, string name) =>
            (model.named_parameters().Single(p => p.name == name).parameter.to(ScalarType.Float32) - before[name]).abs().max().item<float>();
        var weight = "model.layers.0.mlp.down_proj.weight";
        Assert.True(Moved(mixed, before, weight) > 1e-5, $"mixed precision moved {weight} by {Moved(mixed, before, weight)}");
        Assert.True(Moved(plainBf16, before, weight) < Moved(mixed, before, weight) / 2,
            $"plain bf16 moved {weight} by {Moved(plainBf16, before, weight)}, mixed precision by {Moved(mixed, before, weight)}");
    }

    // Between steps nothing holds the masters' fp32 gradients: at 0.5B they would be 2 GB beside the next step's activations.
    [Fact]
    public void MixedPrecisionTakesTheGradientsInFp32AndFreesThemAfterTheStep()
    {
        using var model = TinyModels.Create(seed: 5);
        using var masters = new MasterWeights(model);
        var parameters = model.parameters().ToArray();
        parameters.Select((p, i) => p.square().sum() * (i + 1)).Aggregate((a, b) => a + b).backward();
        var expected = parameters.Select(p => p.grad!.to(ScalarType.Float32)).ToArray();

        masters.TakeGradients();
        Assert.All(masters.Masters.Zip(expected), pair => Assert.True(pair.First.grad!.bytes.SequenceEqual(pair.Second.bytes)));
        Assert.All(parameters, p => Assert.Equal(0, p.grad!.count_nonzero().item<long>()));
        masters.PutWeights();
        Assert.All(masters.Masters, master => Assert.Null(master.grad));
    }

    [Fact]
    public void MixedPrecisionResumesFromItsMasterWeights()
    {
        using var dir = new TempDirectory();
        var options = new TrainingOptions
        {
            LearningRate = 1e-3, MaxSteps = 8, Epochs = 8, TokensPerBatch = 100, Seed = 9, CheckpointEverySteps = 4,
            CheckpointDirectory = dir.File("run"), MixedPrecision = true,
        };
        var pairs = Pairs(12);
        using var uninterrupted = TinyModels.Create(seed: 5);
        var cached = ReferenceCache.Attach(uninterrupted, pairs, pairsPerBatch: 4);
        var objective = new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings());
        new Trainer<PreferencePair>(uninterrupted, objective, options).Train(cached);

        using var resumed = TinyModels.Create(seed: 77);
        new Trainer<PreferencePair>(resumed, objective, options with { CheckpointDirectory = dir.File("resumed") }).Train(cached,
            resumeFrom: dir.File("run/step-4"));

        var expected = uninterrupted.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in resumed.named_parameters())
            Assert.True(parameter.bytes.SequenceEqual(expected[name].bytes), $"{name} differs after resuming");
        using var plain = TinyModels.Create(seed: 5);
        Assert.Contains("not written under mixed precision", Assert.Throws<FileNotFoundException>(() =>
            new Trainer<PreferencePair>(plain, objective, options with { CheckpointDirectory = dir.File("other") }).Train(cached,
                resumeFrom: MakePlainCheckpoint())).Message);

        string MakePlainCheckpoint()
        {
            using var model = TinyModels.Create(seed: 5);
            new Trainer<PreferencePair>(model, objective,
                options with { MixedPrecision = false, CheckpointDirectory = dir.File("plain"), MaxSteps = 4 }).Train(cached);
            return dir.File("plain/step-4");
        }
    }

    [Fact]
    public void ResumingFromAStep5CheckpointReproducesTenUninterruptedSteps()
    {
        using var dir = new TempDirectory();
        var options = new TrainingOptions
        {
            LearningRate = 1e-3, WarmupSteps = 2, WeightDecay = 0.1, MaxSteps = 10, Epochs = 8, TokensPerBatch = 100,
            GradientAccumulationSteps = 2, Seed = 9, CheckpointEverySteps = 5, CheckpointDirectory = dir.File("run"),
        };
        var pairs = Pairs(12);
        using var uninterrupted = TinyModels.Create(seed: 5);
        var cached = ReferenceCache.Attach(uninterrupted, pairs, pairsPerBatch: 4);
        var objective = new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings());
        var full = new Trainer<PreferencePair>(uninterrupted, objective, options).Train(cached);
        Assert.Equal(10, full.Steps);

        using var resumed = TinyModels.Create(seed: 77);
        var tail = new Trainer<PreferencePair>(resumed, objective, options with { CheckpointDirectory = dir.File("resumed") })
            .Train(cached, resumeFrom: dir.File("run/step-5"));
        Assert.Equal(10, tail.Steps);

        var expected = uninterrupted.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in resumed.named_parameters())
            Assert.True(parameter.bytes.SequenceEqual(expected[name].bytes), $"{name} differs after resuming");
        using var saved = LlamaCheckpoint.Load(dir.File("run/step-10/model"));
        Assert.True(saved.named_parameters().First().parameter.bytes.SequenceEqual(expected[saved.named_parameters().First().name].bytes));
    }

    [Fact]
    public void ProgressReportsStepLearningRateLossMetricsAndThroughput()
    {
        using var model = TinyModels.Create(seed: 5);
        var pairs = ReferenceCache.Attach(model, Pairs(8), pairsPerBatch: 8);
        var reports = new List<TrainingProgress>();
        var options = new TrainingOptions { LearningRate = 1e-3, WarmupSteps = 2, TokensPerBatch = 60, Epochs = 2, EvalEverySteps = 2 };
        var result = new Trainer<PreferencePair>(model, new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings()), options)
            .Train(pairs, evaluation: pairs.Take(4).ToList(), progress: reports.Add);
        var steps = reports.Where(r => !r.IsEvaluation).ToList();
        Assert.Equal(Enumerable.Range(1, result.Steps), steps.Select(r => r.Step));
        Assert.Equal(0.5e-3, steps[0].LearningRate, 9);                // warm-up: step 1 of 2
        Assert.Equal(1e-3, steps[1].LearningRate, 9);
        Assert.True(steps[^1].LearningRate < 1e-3);                     // cosine decay
        foreach (var name in new[] { "loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
            "logps/chosen", "logps/rejected" })
            Assert.All(steps, r => Assert.True(double.IsFinite(r.Metrics[name]), name));
        Assert.All(steps, r => Assert.True(r.TokensPerSecond > 0));
        Assert.Contains(reports, r => r.IsEvaluation && r.Step == 2);
        Assert.NotNull(result.Evaluation);
    }

    [Fact]
    public void ANanLossStopsTrainingNamingTheStepAndBatchAndSavesNothing()
    {
        using var dir = new TempDirectory();
        using var model = TinyModels.Create(seed: 5);
        var pairs = ReferenceCache.Attach(model, Pairs(8), pairsPerBatch: 8);
        using (no_grad())
            model.named_parameters().First(p => p.name == "model.norm.weight").parameter.fill_(float.NaN);
        var options = new TrainingOptions { CheckpointEverySteps = 1, CheckpointDirectory = dir.File("run"), TokensPerBatch = 60 };
        var error = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer<PreferencePair>(model, new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings()), options).Train(pairs));
        Assert.Contains("step 1", error.Message);
        Assert.Contains("pair-", error.Message);
        Assert.False(Directory.Exists(dir.File("run")));
    }

    [Fact]
    public void CancellationStopsTraining()
    {
        using var model = TinyModels.Create(seed: 5);
        var pairs = Pairs(8).Select(p => p).ToList();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() =>
            new Trainer<PreferencePair>(model, new PreferenceObjective(PreferenceLoss.SimPo, new LossSettings()), new TrainingOptions())
                .Train(pairs, cancellation: cancel.Token));
    }

    [Fact]
    public void BadConfigurationNamesTheFieldOrRecord()
    {
        using var model = TinyModels.Create();
        var pairs = Pairs(4);
        Assert.Equal("Beta", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings { Beta = -1 })).ParamName);
        var simpo = new PreferenceObjective(PreferenceLoss.SimPo, new LossSettings());
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Trainer<PreferencePair>(model, simpo, new TrainingOptions { LearningRate = 0 }).Train(pairs)).ParamName);
        Assert.Contains("dataset is empty", Assert.Throws<ArgumentException>(() =>
            new Trainer<PreferencePair>(model, simpo, new TrainingOptions()).Train([])).Message);

        var empty = pairs.Append(new PreferencePair("pair-empty", [3, 4], [5], [])).ToList();
        Assert.Contains("record 'pair-empty': Rejected is empty", Assert.Throws<ArgumentException>(() =>
            new Trainer<PreferencePair>(model, simpo, new TrainingOptions()).Train(empty)).Message);

        var tooLong = pairs.Append(new PreferencePair("pair-long", [3, 4], Enumerable.Repeat(5, 200).ToArray(), [6])).ToList();
        Assert.Contains("record 'pair-long': prompt + Chosen is 202 tokens, longer than the model's context of 128",
            Assert.Throws<ArgumentException>(() =>
            new Trainer<PreferencePair>(model, simpo, new TrainingOptions()).Train(tooLong)).Message);

        Assert.Contains("pair 'pair-0': Dpo needs reference log-probs", Assert.Throws<ArgumentException>(() =>
            new Trainer<PreferencePair>(model, new PreferenceObjective(PreferenceLoss.Dpo, new LossSettings()),
                new TrainingOptions()).Train(pairs)).Message);
    }
}
