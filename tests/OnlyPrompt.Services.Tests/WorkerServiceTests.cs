using Grpc.Core;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Filter.V1;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OnlyPrompt.TestSupport.Models;
using OnlyPrompt.Trainer.V1;
using OnlyPrompt.Worlds;
using FilterClient = OnlyPrompt.Filter.V1.Filter.FilterClient;
using SamplerClient = OnlyPrompt.Sampler.V1.Sampler.SamplerClient;
using TrainerClient = OnlyPrompt.Trainer.V1.Trainer.TrainerClient;

namespace OnlyPrompt.Services.Tests;

[Collection(ServiceStackCollection.Name)]
public sealed class WorkerServiceTests(ServiceStack stack)
{
    private const string Container = "worker-tests";

    [Fact]
    public async Task Filter_writes_the_kept_pairs_and_counts_each_rule()
    {
        SampledPair Pair(string id, string chosen, string rejected, bool finished = true) =>
            new(id, "sort 3 1 2", chosen, rejected, finished, true, 3);
        var pairs = await UploadJsonLinesAsync("pairs.jsonl", [
            Pair("kept", "1 2 3", "3 1 2"),
            Pair("leak", "Here is a 10-score answer: 1 2 3", "3 1 2"),
            Pair("same", "1 2 3", "1 2 3"),
            Pair("cut", "1 2", "3 1 2", finished: false),
            Pair("empty", "", "3 1 2"),
        ]);
        var client = new FilterClient(stack.Filter.Channel);

        var response = await client.FilterPairsAsync(new FilterPairsRequest { Pairs = pairs, Settings = new FilterSettings(),
            OutputContainer = Container, OutputName = "kept.jsonl" });

        Assert.Equal(1, response.KeptCount);
        Assert.Equal(1, response.Removed[nameof(FilterRule.LeakedRequest)]);
        Assert.Equal(1, response.Removed[nameof(FilterRule.Identical)]);
        Assert.Equal(1, response.Removed[nameof(FilterRule.CutOff)]);
        Assert.Equal(1, response.Removed[nameof(FilterRule.Empty)]);
        using var files = new TempDirectory();
        await stack.Store.DownloadFileAsync(response.Kept.ToStored(), files.File("kept.jsonl"));
        Assert.Equal("kept", Assert.Single(JsonLines.Read<SampledPair>(files.File("kept.jsonl"))).Id);
    }

    [Fact]
    public async Task Filter_refuses_a_bad_pattern_and_a_bad_line_naming_the_field_the_blob_and_the_line()
    {
        var client = new FilterClient(stack.Filter.Channel);
        var pairs = (await stack.Store.UploadTextAsync(Container, "bad.jsonl",
            "{\"id\":\"a\",\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"chosen_finished\":true,\"rejected_finished\":true,\"rejected_score\":3}\n{\"id\": \"b\", \"prompt\": \n")).ToContract();
        var settings = new FilterSettings { LeakPatterns = { "(unclosed" } };

        var pattern = await Assert.ThrowsAsync<RpcException>(() => client.FilterPairsAsync(new FilterPairsRequest
            { Pairs = pairs, Settings = settings, OutputContainer = Container, OutputName = "out.jsonl" }).ResponseAsync);
        var line = await Assert.ThrowsAsync<RpcException>(() => client.FilterPairsAsync(new FilterPairsRequest
            { Pairs = pairs, OutputContainer = Container, OutputName = "out.jsonl" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, pattern.StatusCode);
        Assert.Contains("settings.leak_patterns", pattern.Status.Detail);
        Assert.Equal(StatusCode.FailedPrecondition, line.StatusCode);
        Assert.Contains($"{Container}/bad.jsonl, line 2", line.Status.Detail);
    }

    [Fact]
    public async Task Trainer_streams_each_step_then_a_verified_checkpoint_and_refuses_bad_settings_by_field()
    {
        var (model, sft) = await TinyWorldAsync();
        var client = new TrainerClient(stack.Trainer.Channel);
        var request = new TrainRequest
        {
            JobId = "trainer-test", Policy = model, Datasets = { sft }, Sft = new Trainer.V1.SftObjective(),
            Training = new TrainingSettings { LearningRate = 1e-3, Epochs = 1, TokensPerBatch = 512, MaxGradNorm = 1 },
            OutputContainer = Container, OutputPrefix = "trained",
        };

        var steps = new List<long>();
        TrainResult? result = null;
        using (var call = client.Train(request))
            await foreach (var item in call.ResponseStream.ReadAllAsync())
                if (item.EventCase == TrainEvent.EventOneofCase.Progress)
                    steps.Add(item.Progress.Progress.Done);
                else
                    result = item.Result;

        Assert.NotNull(result);
        Assert.True(result.Steps > 1);
        Assert.Equal(result.Steps, steps.Last());
        Assert.True(result.Metrics["loss"] > 0);
        // The stack leaves OnlyPrompt:TrainingPrecision at auto: mixed precision where this CPU computes bf16 natively.
        Assert.Equal(Model.Precision.HasFastBf16(TorchSharp.torch.CPU) ? 1 : 0, result.Metrics[StageMetrics.MixedPrecision]);
        using var files = new TempDirectory();
        Assert.True(File.Exists(Path.Combine(await stack.Store.DownloadCheckpointAsync(result.Checkpoint.ToStored(),
            files.Path), "model.safetensors")));

        request.JobId = "trainer-bad";
        request.Training.LearningRate = -1;
        request.Datasets.Add(new BlobRef { Container = Container, Name = "x" });
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.Train(request);
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("training.learning_rate", error.Status.Detail);
        Assert.Contains("datasets[1]", error.Status.Detail);
    }

    [Fact]
    public async Task Trainer_initialises_a_model_given_without_weights_as_the_in_process_runner_does()
    {
        using var files = new TempDirectory();
        var options = ExperimentOptions.Preset("smoke", 4);
        BaseModelWriter.Write(files.File("config"), options.Model, ExperimentVocabulary.Texts(new WorldGenerator(options.World).Generate(),
            options.Templates));
        var config = (await stack.Store.UploadDirectoryAsync(Container, "weightless", files.File("config"))).ToContract();
        var client = new TrainerClient(stack.Trainer.Channel);
        InitialiseModelRequest Request(long seed, string prefix) =>
            new() { Config = config, Seed = seed, OutputContainer = Container, OutputPrefix = prefix };

        var first = (await client.InitialiseModelAsync(Request(5, "initialised-a"))).Checkpoint;
        var again = (await client.InitialiseModelAsync(Request(5, "initialised-b"))).Checkpoint;
        var other = (await client.InitialiseModelAsync(Request(6, "initialised-c"))).Checkpoint;

        Assert.Equal(first.Sha256, again.Sha256);
        Assert.NotEqual(first.Sha256, other.Sha256);
        OnlyPrompt.Model.Checkpoints.LlamaCheckpoint.SaveInitialised(files.File("config"), files.File("local"), seed: 5);
        var downloaded = await stack.Store.DownloadCheckpointAsync(first.ToStored(), files.File("downloaded"));
        foreach (var name in new[] { "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
            Assert.Equal(File.ReadAllBytes(files.File($"local/{name}")), File.ReadAllBytes(Path.Combine(downloaded, name)));

        File.Delete(files.File("config/config.json"));
        var noConfig = (await stack.Store.UploadDirectoryAsync(Container, "no-config", files.File("config"))).ToContract();
        var request = Request(5, "initialised-d");
        request.Config = noConfig;
        var error = await Assert.ThrowsAsync<RpcException>(() => client.InitialiseModelAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains($"config: {Container}/no-config has no config.json", error.Status.Detail);
    }

    [Fact]
    public async Task Trainer_under_mixed_precision_trains_in_bf16_and_saves_an_fp32_checkpoint()
    {
        var (model, sft) = await TinyWorldAsync();
        var request = new TrainRequest
        {
            JobId = "trainer-mixed", Policy = model, Datasets = { sft }, Sft = new Trainer.V1.SftObjective(),
            Training = new TrainingSettings { LearningRate = 1e-3, Epochs = 1, TokensPerBatch = 512, MaxGradNorm = 1, MixedPrecision = true },
            OutputContainer = Container, OutputPrefix = "trained-mixed",
        };
        var result = await TrainToResultAsync(request);
        Assert.True(result.Metrics["loss"] > 0);
        Assert.Equal(1, result.Metrics[StageMetrics.MixedPrecision]);
        using var files = new TempDirectory();
        var weights = Model.Checkpoints.SafeTensors.ReadHeader(Path.Combine(await stack.Store.DownloadCheckpointAsync(result.Checkpoint.ToStored(),
            files.Path), "model.safetensors"));
        Assert.All(weights.Values, entry => Assert.Equal(TorchSharp.torch.ScalarType.Float32, entry.DType));
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("mixed")]
    [InlineData("auto")]
    public void Trainer_precision_setting_chooses_fp32_or_mixed_precision_and_auto_follows_the_hardware(string setting)
    {
        var options = new Trainer.TrainerOptions { TrainingPrecision = setting };
        var expected = setting == "mixed" || setting == "auto" && Model.Precision.HasFastBf16(TorchSharp.torch.CPU);
        Assert.Equal(expected, options.TrainsInMixedPrecision(TorchSharp.torch.CPU));
        Assert.Contains(setting, Trainer.TrainerOptions.TrainingPrecisions);
    }

    [Fact]
    public async Task Trainer_trains_the_NLL_term_after_the_given_instruction_prefix()
    {
        var (model, world) = await TinyWorld.UploadAsync(stack.Store, Container);
        var pairs = await UploadJsonLinesAsync("nll-pairs.jsonl", world.Preferences.Take(16));
        async Task<double> NllLoss(string prefix)
        {
            var request = new TrainRequest
            {
                JobId = $"trainer-nll-{prefix.Length}", Policy = model, Datasets = { pairs.Clone() },
                Preference = new Trainer.V1.PreferenceObjective
                {
                    Loss = new LossSettings { Loss = Common.V1.PreferenceLoss.Dpo, Beta = 0.1, ChosenNllWeight = 1 }, NllInstructionPrefix = prefix,
                },
                Training = new TrainingSettings { LearningRate = 1e-5, Epochs = 1, TokensPerBatch = 4096 },
                OutputContainer = Container, OutputPrefix = $"trained-nll-{prefix.Length}",
            };
            return (await TrainToResultAsync(request)).Metrics["nll_loss"];
        }

        // One step over the same pairs: the NLL term scores the chosen answers after the plain prompt, or after the prefix.
        var (plain, prefixed) = (await NllLoss(""), await NllLoss(Method.Data.PromptTemplates.DefaultChosen));
        Assert.True(plain > 0 && prefixed > 0);
        Assert.NotEqual(plain, prefixed, 3);
    }

    [Fact]
    public async Task Trainer_with_LoRA_trains_an_adapter_saves_it_in_PEFTs_layout_and_returns_the_merged_model()
    {
        var (model, sft) = await TinyWorldAsync();
        var request = new TrainRequest
        {
            JobId = "trainer-lora", Policy = model, Datasets = { sft }, Sft = new Trainer.V1.SftObjective(),
            Training = new TrainingSettings
            {
                LearningRate = 1e-2, Epochs = 1, TokensPerBatch = 512, MaxGradNorm = 1, GradientCheckpointing = true,
                // Mixed precision on any CPU: the base is then loaded in bf16 and the adapter trains beside it in fp32.
                MixedPrecision = true,
                Lora = new LoraSettings { Rank = 2, Alpha = 4, TargetModules = { "q_proj", "v_proj" } },
            },
            OutputContainer = Container, OutputPrefix = "trained-lora",
        };
        var result = await TrainToResultAsync(request);
        using var files = new TempDirectory();
        var trained = await stack.Store.DownloadCheckpointAsync(result.Checkpoint.ToStored(), files.File("trained"));
        var adapter = Path.Combine(trained, "adapter");
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_config.json")) && File.Exists(Path.Combine(adapter, "adapter_model.safetensors")));
        // The checkpoint is the merged model: plain names, and only the adapted projections moved.
        var merged = Model.Checkpoints.SafeTensors.Load(Path.Combine(trained, "model.safetensors"));
        var original = Model.Checkpoints.SafeTensors.Load(Path.Combine(await stack.Store.DownloadCheckpointAsync(model.ToStored(),
            files.File("base")), "model.safetensors"));
        Assert.Equal(original.Keys.Order(), merged.Keys.Order());
        var changed = original.Keys.Where(k => !original[k].equal(merged[k]).all().item<bool>()).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, k => Assert.Matches(@"\.self_attn\.(q|v)_proj\.weight$", k));
        // The adapter loaded over the base (as PEFT would) gives the merged model's logits.
        var baseDirectory = await stack.Store.DownloadCheckpointAsync(model.ToStored(), files.File("base"));
        using var withAdapter = Model.PretrainedModel.Load(baseDirectory);
        Model.Lora.LoraAdapters.Load(withAdapter.Model, adapter);
        using var mergedModel = Model.PretrainedModel.Load(trained);
        using var ids = TorchSharp.torch.tensor(new long[] { 3, 4, 5, 6 }, [1, 4]);
        using (TorchSharp.torch.no_grad())
            Assert.True(withAdapter.Model.call(ids, null, null).allclose(mergedModel.Model.call(ids, null, null), rtol: 1e-4, atol: 1e-5));

        // The adapter alone, as a checkpoint of its own, evaluates as the merged model: the Evaluator loads its base from storage.
        var adapterOnly = (await stack.Store.UploadDirectoryAsync(Container, "trained-lora-adapter-only", adapter)).ToContract();
        var eval = await UploadJsonLinesAsync("lora-eval.jsonl",
            [new EvalRecord("Sort: 3 1 2", "1 2 3", "sort"), new EvalRecord("Max: 4 9 2", "9", "max")]);
        var evaluator = new Evaluator.V1.Evaluator.EvaluatorClient(stack.Evaluator.Channel);
        async Task<Method.Scores.EvaluationReport> EvaluateAsync(CheckpointRef checkpoint, string name) =>
            await EvaluationReports.ReadAsync(stack.Store,
            (await evaluator.EvaluateAsync(new Evaluator.V1.EvaluateRequest
            {
                Model = checkpoint, EvalSet = eval, Scorer = Evaluator.V1.Scorer.Exact, MaxNewTokens = 6,
                    OutputContainer = Container, OutputName = name,
            })).Report, CancellationToken.None);
        Assert.Equal((await EvaluateAsync(result.Checkpoint, "lora-merged.json")).Evaluation.Answers.Select(a => a.Answer),
            (await EvaluateAsync(adapterOnly, "lora-adapter.json")).Evaluation.Answers.Select(a => a.Answer));
        File.WriteAllText(Path.Combine(adapter, "adapter_config.json"),
            File.ReadAllText(Path.Combine(adapter, "adapter_config.json")).Replace($"\"{Container}/{model.Prefix}\"", $"\"{Container}/no-such-base\"",
                StringComparison.Ordinal));
        var orphan = (await stack.Store.UploadDirectoryAsync(Container, "orphan-adapter", adapter)).ToContract();
        var error = await Assert.ThrowsAsync<RpcException>(() => EvaluateAsync(orphan, "orphan.json"));
        Assert.Contains($"its base model '{Container}/no-such-base' is not a checkpoint in blob storage", error.Status.Detail);
    }

    [Fact]
    public async Task Sampler_generates_one_plain_answer_per_prompt_and_writes_them_with_progress()
    {
        var (model, _) = await TinyWorldAsync();
        var prompts = await UploadJsonLinesAsync("plain-prompts.jsonl",
            Enumerable.Range(0, 5).Select(i => new PromptRecord($"Sort: {i} 3 1", "sort")));
        var client = new SamplerClient(stack.Sampler.Channel);

        var progress = new List<long>();
        Sampler.V1.GenerateResult? result = null;
        using (var call = client.Generate(new Sampler.V1.GenerateRequest
               {
                   Model = model, Prompts = prompts, Sampling = new SamplingSettings { MaxNewTokens = 6, TopP = 1, BatchSize = 2 },
                   OutputContainer = Container, OutputName = "answers.jsonl",
               }))
            await foreach (var item in call.ResponseStream.ReadAllAsync())
                if (item.EventCase == Sampler.V1.GenerateEvent.EventOneofCase.Progress)
                    progress.Add(item.Progress.Done);
                else
                    result = item.Result;

        Assert.NotNull(result);
        Assert.Equal(5, result.Count);
        Assert.Equal(5, progress.Last());
        using var files = new TempDirectory();
        await stack.Store.DownloadFileAsync(result.Completions.ToStored(), files.File("answers.jsonl"));
        var answers = JsonLines.Read<OnlyPrompt.Sampler.CompletionRecord>(files.File("answers.jsonl"));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"Sort: {i} 3 1"), answers.Select(a => a.Prompt));
    }

    [Fact]
    public async Task Evaluator_scores_a_checkpoint_exactly_and_refuses_an_unknown_scorer()
    {
        var (model, _) = await TinyWorldAsync();
        var eval = await UploadJsonLinesAsync("eval.jsonl",
            [new EvalRecord("Sort: 3 1 2", "1 2 3", "sort"), new EvalRecord("Max: 4 9 2", "9", "max")]);
        var client = new Evaluator.V1.Evaluator.EvaluatorClient(stack.Evaluator.Channel);
        var request = new Evaluator.V1.EvaluateRequest
        {
            Model = model, EvalSet = eval, Scorer = Evaluator.V1.Scorer.Exact, MaxNewTokens = 6, CalibrationPrompts = 1,
            CalibrationTemplate = "Give a {s} answer. ", OutputContainer = Container, OutputName = "eval.json",
        };

        var response = await client.EvaluateAsync(request);

        Assert.InRange(response.MeanQuality, 0, 1);
        Assert.Equal(["max", "sort"], response.QualityByFamily.Keys.Order());
        Assert.Equal(11, response.Calibration.Count);
        Assert.Equal($"{Container}/eval.json", $"{response.Report.Container}/{response.Report.Name}");
        request.Scorer = Evaluator.V1.Scorer.Unspecified;
        var error = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("scorer", error.Status.Detail);
    }

    [Fact]
    public async Task Sampler_refuses_prompts_whose_content_does_not_match_their_hash()
    {
        var (model, _) = await TinyWorldAsync();
        var prompts = await UploadJsonLinesAsync("prompts.jsonl", [new PromptRecord("Sort: 3 1 2", "sort")]);
        prompts.Sha256 = new string('a', 64);
        var client = new SamplerClient(stack.Sampler.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.SamplePairs(new Sampler.V1.SamplePairsRequest
            {
                Policy = model, Prompts = prompts, Templates = new Common.V1.PromptTemplates { Chosen = "best: ",
                    Rejected = "score {s}: " }, RejectedScore = 3,
                Sampling = new SamplingSettings { MaxNewTokens = 8, TopP = 1 }, OutputContainer = Container, OutputName = "pairs.jsonl",
            });
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"{Container}/prompts.jsonl", error.Status.Detail);
    }

    [Fact]
    public async Task Sampler_samples_only_the_rounds_prompt_set()
    {
        var (model, _) = await TinyWorldAsync();
        var prompts = await UploadJsonLinesAsync("set-prompts.jsonl",
            [new PromptRecord("Sort: 3 1 2", "sort", 1), new PromptRecord("Max: 4 9 2", "max", 2), new PromptRecord("Sort: 5 4", "sort", 2),
                new PromptRecord("Max: 1 7", "max")]);
        var client = new SamplerClient(stack.Sampler.Channel);

        async Task<List<string>> PromptsOfRound(int round)
        {
            Sampler.V1.SamplePairsResult? result = null;
            using (var call = client.SamplePairs(new Sampler.V1.SamplePairsRequest
                   {
                       Policy = model, Prompts = prompts, Templates = new Common.V1.PromptTemplates { Chosen = "best: ",
                           Rejected = "score {s}: " }, RejectedScore = 3,
                       Sampling = new SamplingSettings { MaxNewTokens = 4, TopP = 1 }, Round = round, OutputContainer = Container,
                           OutputName = $"set-pairs-{round}.jsonl",
                   }))
                await foreach (var item in call.ResponseStream.ReadAllAsync())
                    result ??= item.Result;
            using var files = new TempDirectory();
            await stack.Store.DownloadFileAsync(result!.Pairs.ToStored(), files.File("pairs.jsonl"));
            return JsonLines.Read<SampledPair>(files.File("pairs.jsonl")).Select(p => p.Prompt).ToList();
        }

        Assert.Equal(["Sort: 3 1 2", "Max: 1 7"], await PromptsOfRound(1));
        Assert.Equal(["Max: 4 9 2", "Sort: 5 4", "Max: 1 7"], await PromptsOfRound(2));
        Assert.Equal(["Sort: 3 1 2", "Max: 1 7"], await PromptsOfRound(3));
        Assert.Equal(4, (await PromptsOfRound(0)).Count);
    }

    [Fact]
    public async Task Evaluator_scores_the_answers_with_a_reward_model_from_storage()
    {
        var (model, _) = await TinyWorldAsync();
        using var files = new TempDirectory();
        var rewardModel = (await stack.Store.UploadDirectoryAsync(Container, "reward-model", TinyRewardModels.Write(files.Path))).ToContract();
        var eval = await UploadJsonLinesAsync("rm-eval.jsonl",
            [new EvalRecord("Sort: 3 1 2", "1 2 3", "sort"), new EvalRecord("Max: 4 9 2", "9", "max"), new EvalRecord("Max: 1 7", "7", "max")]);
        var client = new Evaluator.V1.Evaluator.EvaluatorClient(stack.Evaluator.Channel);
        var request = new Evaluator.V1.EvaluateRequest
        {
            Model = model, EvalSet = eval, Scorer = Evaluator.V1.Scorer.Exact, MaxNewTokens = 4, RewardModel = rewardModel,
                OutputContainer = Container, OutputName = "rm-eval.json",
        };

        var response = await client.EvaluateAsync(request);
        var report = await EvaluationReports.ReadAsync(stack.Store, response.Report, CancellationToken.None);

        Assert.NotNull(response.Reward);
        Assert.Equal(3, report.Rewards!.Count);
        Assert.Equal(report.Rewards.Average(r => (double)r), response.Reward.Mean, 5);
        Assert.True(response.Reward.Low <= response.Reward.Mean && response.Reward.Mean <= response.Reward.High);
        var wrongKind = await Assert.ThrowsAsync<RpcException>(() =>
            client.EvaluateAsync(new Evaluator.V1.EvaluateRequest(request) { RewardModel = model, OutputName = "x.json" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, wrongKind.StatusCode);
        Assert.Contains("has no sequence-classification head", wrongKind.Status.Detail);
    }

    [Fact]
    public async Task Evaluator_scores_by_the_reward_model_when_it_is_the_primary_scorer_so_the_set_needs_no_answers()
    {
        var (model, _) = await TinyWorldAsync();
        using var files = new TempDirectory();
        var rewardModel = (await stack.Store.UploadDirectoryAsync(Container, "primary-reward-model",
            TinyRewardModels.Write(files.Path))).ToContract();
        var eval = await UploadJsonLinesAsync("unanswered.jsonl",
            [new EvalRecord("Sort: 3 1 2"), new EvalRecord("Max: 4 9 2", Family: "max"), new EvalRecord("Max: 1 7")]);
        var client = new Evaluator.V1.Evaluator.EvaluatorClient(stack.Evaluator.Channel);
        var request = new Evaluator.V1.EvaluateRequest
        {
            Model = model, EvalSet = eval, Scorer = Evaluator.V1.Scorer.RewardModel, MaxNewTokens = 4,
                RewardModel = rewardModel, CalibrationPrompts = 1,
            CalibrationTemplate = "Give a {s} answer. ", OutputContainer = Container, OutputName = "primary-rm-eval.json",
        };

        var response = await client.EvaluateAsync(request);
        var report = await EvaluationReports.ReadAsync(stack.Store, response.Report, CancellationToken.None);

        Assert.Equal(Evaluator.V1.Scorer.RewardModel, response.Scorer);
        Assert.Equal(report.Rewards!.Select(r => (double)r), report.Evaluation.Answers.Select(a => a.Quality), new Tolerance(1e-6));
        Assert.Equal(report.Rewards!.Average(r => (double)r), response.MeanQuality, 5);
        Assert.Equal(["all", "max"], response.QualityByFamily.Keys.Order());
        Assert.Equal(11, response.Calibration.Count);

        request.Scorer = Evaluator.V1.Scorer.Exact;
        var exact = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, exact.StatusCode);
        Assert.Contains("eval_set: row 1 has no answer; the exact scorer needs reference answers", exact.Status.Detail);
        request.Scorer = Evaluator.V1.Scorer.RewardModel;
        request.RewardModel = null;
        var missing = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateAsync(request).ResponseAsync);
        Assert.Contains("reward_model: is required by SCORER_REWARD_MODEL", missing.Status.Detail);
    }

    [Fact]
    public async Task Evaluator_scores_the_chosen_and_rejected_answers_of_pairs_with_a_reward_model()
    {
        using var files = new TempDirectory();
        var directory = TinyRewardModels.Write(files.Path);
        var rewardModel = (await stack.Store.UploadDirectoryAsync(Container, "pairs-reward-model", directory)).ToContract();
        (string Prompt, string Chosen, string Rejected)[] rows = [("sort : b a", "a b", "b a"), ("dedupe : a a", "a", "a a"),
            ("sort : c a b", "a b c", "c")];
        var pairs = await UploadJsonLinesAsync("scored-pairs.jsonl", rows.Select(r => new PreferenceRow(r.Prompt, r.Chosen, r.Rejected)));
        var client = new Evaluator.V1.Evaluator.EvaluatorClient(stack.Evaluator.Channel);

        var response = await client.ScorePairsAsync(new Evaluator.V1.ScorePairsRequest { RewardModel = rewardModel, Pairs = pairs });

        // The same reward model loaded here gives the same scores.
        using var local = Model.Scoring.RewardModel.Load(directory);
        var chosen = local.Score(rows.Select(r => (r.Prompt, r.Chosen)).ToList());
        var rejected = local.Score(rows.Select(r => (r.Prompt, r.Rejected)).ToList());
        Assert.Equal(3, response.Pairs);
        Assert.Equal(chosen.Average(r => (double)r), response.Chosen.Mean, 4);
        Assert.Equal(rejected.Average(r => (double)r), response.Rejected.Mean, 4);
        Assert.Equal(chosen.Zip(rejected).Count(p => p.First > p.Second) / 3.0, response.ChosenBetter, 6);
        var empty = await UploadJsonLinesAsync("no-pairs.jsonl", Array.Empty<PreferenceRow>());
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.ScorePairsAsync(new Evaluator.V1.ScorePairsRequest { RewardModel = rewardModel, Pairs = empty }).ResponseAsync);
        Assert.Contains("has no pairs", error.Status.Detail);
    }

    [Fact]
    public async Task Evaluator_scores_by_an_LLM_judge_against_the_reference_outputs_or_by_its_ratings_leaving_unreadable_verdicts_out()
    {
        var (model, _) = await TinyWorldAsync();
        await using var judgeServer = await ScriptedJudge.StartAsync();
        var eval = await UploadJsonLinesAsync("judged.jsonl", [
            new EvalRecord("Sort: 3 1 2", Reference: "REFERENCE 1 2 3"), new EvalRecord("Max: 4 9 2", Reference: "REFERENCE 9"),
            new EvalRecord("UNREADABLE Max: 1 7", Reference: "REFERENCE 7")]);
        var client = new Evaluator.V1.Evaluator.EvaluatorClient(stack.Evaluator.Channel);
        var judge = new Evaluator.V1.JudgeSettings { BaseUrl = judgeServer.BaseUrl.ToString(), Model = "scripted",
            Mode = Evaluator.V1.JudgeMode.PairwiseVerdict };
        var request = new Evaluator.V1.EvaluateRequest
        {
            Model = model, EvalSet = eval, Scorer = Evaluator.V1.Scorer.Judge, Judge = judge, MaxNewTokens = 4, OutputContainer = Container,
                OutputName = "judged.json",
        };

        // Pairwise against the references: the scripted judge prefers every model answer in both orders.
        var pairwise = await client.EvaluateAsync(request);
        var report = await EvaluationReports.ReadAsync(stack.Store, pairwise.Report, CancellationToken.None);
        Assert.Equal(Evaluator.V1.Scorer.Judge, pairwise.Scorer);
        Assert.Equal(1.0, pairwise.MeanQuality);
        Assert.Equal(1, pairwise.JudgeUnreadable);
        Assert.Equal(100, pairwise.JudgeWinRate);
        Assert.Equal(["Max: 4 9 2", "Sort: 3 1 2"], report.Evaluation.Answers.Select(a => a.Prompt).Order(StringComparer.Ordinal));

        // Ratings: [[7]] for every readable answer.
        request.Judge = new Evaluator.V1.JudgeSettings(judge) { Mode = Evaluator.V1.JudgeMode.Rating };
        request.OutputName = "rated.json";
        var rated = await client.EvaluateAsync(request);
        Assert.Equal(7.0, rated.MeanQuality);
        Assert.Equal(7.0, rated.JudgeRating.Mean);
        Assert.Equal(1, rated.JudgeUnreadable);

        // A pairwise judge as the scorer needs a reference output per prompt.
        request.Judge = judge;
        request.EvalSet = await UploadJsonLinesAsync("unreferenced.jsonl",
            [new EvalRecord("Sort: 3 1 2", Reference: "REFERENCE 1 2 3"), new EvalRecord("Max: 4 9 2")]);
        var missing = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, missing.StatusCode);
        Assert.Contains("eval_set: row 2 has no reference output", missing.Status.Detail);
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }

    private async Task<BlobRef> UploadJsonLinesAsync<T>(string name, IEnumerable<T> records)
    {
        using var files = new TempDirectory();
        JsonLines.Write(files.File(name), records);
        return (await stack.Store.UploadFileAsync(Container, name, files.File(name))).ToContract();
    }

    /// <summary>A smoke-sized world's base model and SFT data, in storage.</summary>
    // The result event of a Train stream, after its progress events.
    private async Task<TrainResult> TrainToResultAsync(TrainRequest request)
    {
        using var call = new TrainerClient(stack.Trainer.Channel).Train(request);
        await foreach (var item in call.ResponseStream.ReadAllAsync())
            if (item.EventCase == TrainEvent.EventOneofCase.Result)
                return item.Result;
        throw new InvalidOperationException($"the Train stream of {request.JobId} ended without a result.");
    }

    private async Task<(CheckpointRef Model, BlobRef Sft)> TinyWorldAsync()
    {
        var (model, world) = await TinyWorld.UploadAsync(stack.Store, Container);
        return (model, await UploadJsonLinesAsync("sft.jsonl", world.Sft.Take(64)));
    }
}
