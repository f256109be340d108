using System.Text.Json;
using Grpc.Core;
using OnlyPrompt.Cli;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OnlyPrompt.TestSupport.Models;
using Scorer = OnlyPrompt.Evaluator.V1.Scorer;

namespace OnlyPrompt.Services.Tests;

/// <summary>
/// A user's own model and data through the CLI's code path and the services: a random Qwen2-shaped checkpoint with the
/// real Qwen3 tokenizer and chat template, Parquet and JSON Lines files in the field's shapes, a tiny reward model as
/// the primary scorer. A random model does not improve; the test checks the pipeline's invariants.
/// </summary>
[Collection(ServiceStackCollection.Name)]
public sealed class ModelDataRunTests(ServiceStack stack)
{
    private static object[] Conversation(params (string Role, string Content)[] turns) => UserFiles.Conversation(turns);

    /// <summary>The model, a reward model (its folder returned) and the data files, as a user would have them.</summary>
    private static string WriteModelAndData(TempDirectory files, bool constantReward = false) =>
        UserFiles.Write(files.Path, constantReward).RewardModel;

    private static string[] Arguments(TempDirectory files, string rewardModel, string container) =>
    [
        "--model", files.File("model"), "--sft", files.File("train_sft.parquet"), "--preferences", files.File("prefs.jsonl"),
        "--prompts", files.File("prompts.parquet"), "--eval", files.File("alpaca_eval.json"), "--reward-model", rewardModel,
        "--rounds", "1", "--max-new-tokens", "6", "--calibration-prompts", "1", "--batch-tokens", "256", "--container", container,
    ];

    [Fact]
    public async Task A_users_model_and_datasets_run_the_method_scored_by_their_reward_model()
    {
        using var files = new TempDirectory();
        var reward = WriteModelAndData(files);
        var log = new StringWriter();

        var spec = await ModelDataRun.PrepareAsync(Cli.Arguments.For("run", Arguments(files, reward, "user-data")), stack.Store, log,
            CancellationToken.None);

        Assert.Contains("--sft: 8 SFT rows, conversational (messages), from train_sft.parquet", log.ToString());
        Assert.Contains("--preferences: 6 preference rows, conversational with implicit prompt, with scores, from prefs.jsonl", log.ToString());
        Assert.Contains("--eval: 4 evaluation rows, AlpacaEval (instruction, reference output), from alpaca_eval.json", log.ToString());
        Assert.Contains("--prompts: 6 prompt rows, conversational (messages; the prefixes go into the last user turn), from prompts.parquet",
            log.ToString());
        Assert.Equal(Scorer.RewardModel, spec.Evaluation.Scorer);
        Assert.NotNull(spec.Given);
        await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "user-data" });
        var run = await Runs.WatchToEndAsync(stack.Client, "user-data", TimeSpan.FromMinutes(8));

        Assert.True(run.State == RunState.Succeeded, run.Error);
        Assert.Equal(RunPlan.For(spec).Select(s => s.Name), run.Stages.Select(s => s.Name));
        Assert.Contains("sft", run.Stages.Select(s => s.Name));
        Assert.Contains("init", run.Stages.Select(s => s.Name));
        Assert.Equal(Scorer.RewardModel, run.Spec.Evaluation.Scorer);
        foreach (var evaluation in run.Stages.Where(s => s.Evaluation is not null).Select(s => s.Evaluation))
        {
            Assert.Equal(Scorer.RewardModel, evaluation.Scorer);
            Assert.Equal(evaluation.Reward.Mean, evaluation.MeanQuality, 5);
            Assert.Equal(["even", "odd"], evaluation.QualityByFamily.Keys.Order());
            Assert.Equal(11, evaluation.Calibration.Count);
        }
        Assert.Equal(6, run.Stages.Single(s => s.Name == "round-1/sample").Metrics["pairs"]);
        // A prompt's system message travels with its pair to the Trainer (which renders it before the user turn).
        using (var pairsFile = new StreamReader(await stack.Store.OpenVerifiedReadAsync(run.Stages.Single(s =>
            s.Name == "round-1/sample").Files["pairs"].ToStored())))
        {
            var pairs = JsonLines.Read<SampledPair>(pairsFile, "pairs");
            Assert.Equal(3, pairs.Count(p => p.Context is [{ Role: "system", Content: "Answer briefly." }]));
            Assert.Equal(3, pairs.Count(p => p.Context is null));
        }
        // The method's premise is measured on the policy round 1 samples from, by the same scorer, and nowhere after the last round.
        var init = run.Stages.Single(s => s.Name == "init/evaluate");
        Assert.NotNull(init.Evaluation.PrefixGap);
        Assert.Equal(init.Evaluation.PrefixGap.Mean, init.Metrics["prefix_gap"]);
        Assert.True(init.Evaluation.PrefixGap.Low <= init.Evaluation.PrefixGap.Mean
            && init.Evaluation.PrefixGap.Mean <= init.Evaluation.PrefixGap.High);
        Assert.Null(run.Stages.Single(s => s.Name == "sft/evaluate").Evaluation.PrefixGap);
        Assert.Null(run.Stages.Single(s => s.Name == "round-1/evaluate").Evaluation.PrefixGap);

        // The same files again: nothing is uploaded twice, and the references are the same.
        var again = new StringWriter();
        var respec = await ModelDataRun.PrepareAsync(Cli.Arguments.For("run", Arguments(files, reward, "user-data")), stack.Store, again,
            CancellationToken.None);
        Assert.DoesNotContain("uploaded to", again.ToString());
        Assert.Equal(spec.Given, respec.Given);
        Assert.Equal(spec.Evaluation.RewardModel, respec.Evaluation.RewardModel);
    }

    [Fact]
    public async Task A_run_told_to_stop_stops_before_a_round_whose_policy_gains_nothing_from_the_chosen_prefix()
    {
        using var files = new TempDirectory();
        // A reward model that scores every answer 0: answers asked for 10/10 are no better, the gap is exactly 0.
        var flat = WriteModelAndData(files, constantReward: true);
        string[] arguments = [.. Arguments(files, flat, "user-data").Where(a => a != files.File("train_sft.parquet") && a != "--sft")];
        var spec = await ModelDataRun.PrepareAsync(Cli.Arguments.For("run", arguments), stack.Store, TextWriter.Null, CancellationToken.None);
        spec.StopWithoutPrefixGap = true;

        await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "no-prefix-gap" });
        var run = await Runs.WatchToEndAsync(stack.Client, "no-prefix-gap", TimeSpan.FromMinutes(5));

        Assert.Equal(RunState.Failed, run.State);
        Assert.StartsWith("round-1/sample: stopped before round 1 (stop_without_prefix_gap), after init/evaluate: the method's premise does not hold",
            run.Error);
        Assert.Equal("init/evaluate", run.Stages[^1].Name);
        Assert.Equal(0, run.Stages[^1].Evaluation.PrefixGap.Mean);
    }

    [Fact]
    public async Task A_users_run_can_be_scored_by_an_LLM_judge_against_the_reference_outputs()
    {
        using var files = new TempDirectory();
        WriteModelAndData(files);
        await using var judge = await ScriptedJudge.StartAsync();
        File.WriteAllLines(files.File("alpaca_eval.json"), Enumerable.Range(0, 4).Select(i => JsonSerializer.Serialize(new
        {
            instruction = $"What is {i} plus {i}?", output = $"REFERENCE {2 * i}", generator = "reference", dataset = "arithmetic",
        })));
        string[] arguments =
        [
            "--model", files.File("model"), "--preferences", files.File("prefs.jsonl"), "--prompts", files.File("prompts.parquet"),
            "--eval", files.File("alpaca_eval.json"), "--judge-url", judge.BaseUrl.ToString(), "--judge-model", "scripted",
            "--rounds", "1", "--max-new-tokens", "6", "--calibration-prompts", "0", "--batch-tokens", "256", "--container", "user-data",
        ];

        var spec = await ModelDataRun.PrepareAsync(Cli.Arguments.For("run", arguments), stack.Store, TextWriter.Null, CancellationToken.None);
        Assert.Equal(Scorer.Judge, spec.Evaluation.Scorer);
        await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "judged-user-data" });
        var run = await Runs.WatchToEndAsync(stack.Client, "judged-user-data", TimeSpan.FromMinutes(5));

        Assert.True(run.State == RunState.Succeeded, run.Error);
        // The scripted judge prefers every model answer over its reference: every evaluation scores 1 and wins 100%.
        foreach (var evaluation in run.Stages.Where(s => s.Evaluation is not null).Select(s => s.Evaluation))
            Assert.Equal((Scorer.Judge, 1.0, 100.0, 0),
                (evaluation.Scorer, evaluation.MeanQuality, evaluation.JudgeWinRate, evaluation.JudgeUnreadable));
    }

    [Fact]
    public async Task A_bad_row_stops_the_run_before_anything_is_uploaded()
    {
        using var files = new TempDirectory();
        var reward = WriteModelAndData(files);
        File.AppendAllText(files.File("prefs.jsonl"),
            """{"prompt": "p", "chosen": [{"role": "user", "content": "p"}, {"role": "assistant", "content": "c"}], "rejected": [{"role": "user", "content": "p"}, {"role": "assistant", "content": 3}]}""" + "\n");

        var error = await Assert.ThrowsAsync<UsageException>(() =>
            ModelDataRun.PrepareAsync(Cli.Arguments.For("run", Arguments(files, reward, "never-written")), stack.Store, TextWriter.Null,
                CancellationToken.None));

        Assert.Equal("--preferences: prefs.jsonl, row 7, column 'rejected': message 1 has content that is a number, not a string.", error.Message);
        Assert.Null(await stack.Store.TryDescribeAsync("never-written", "uploads"));
        var container = (await stack.Store.ContainerAsync("never-written")).GetBlobsAsync();
        await foreach (var _ in container)
            Assert.Fail("nothing may be uploaded");

        File.WriteAllLines(files.File("exact.jsonl"), [JsonSerializer.Serialize(new { instruction = "2+2?" })]);
        var exact = await Assert.ThrowsAsync<UsageException>(() => ModelDataRun.PrepareAsync(Cli.Arguments.For("run",
        [
            "--model", files.File("model"), "--prompts", files.File("prompts.parquet"), "--eval", files.File("exact.jsonl"),
                "--container", "never-written",
        ]), stack.Store, TextWriter.Null, CancellationToken.None));
        Assert.Contains("--eval: exact.jsonl, row 1 has no reference answer, which the exact scorer needs", exact.Message);
    }

    [Fact]
    public async Task The_example_spec_file_in_the_docs_is_accepted_once_the_files_it_names_exist()
    {
        using var files = new TempDirectory();
        var reward = WriteModelAndData(files);
        var spec = files.File("paper-setting.spec.json");
        File.Copy(Path.Combine(Repository.Root, "docs", "examples", "paper-setting.spec.json"), spec);
        // The files the example names, stood in for by the test's tiny model and data.
        Directory.CreateDirectory(files.File("models"));
        Directory.Move(files.File("model"), files.File("models/Mistral-7B-Instruct-v0.2"));
        Directory.Move(reward, files.File("models/Starling-RM-7B-alpha"));
        foreach (var folder in new[] { "data/mistral-instruct-ultrafeedback", "data/ultrafeedback_binarized" })
            Directory.CreateDirectory(files.File(folder));
        File.Move(files.File("prompts.parquet"), files.File("data/ultrafeedback_binarized/train_prefs.parquet"));
        IndependentParquet.Write(files.File("data/mistral-instruct-ultrafeedback/train.parquet"),
            new Dictionary<string, string> { ["prompt"] = "string", ["chosen"] = "messages", ["rejected"] = "messages" },
            Enumerable.Range(0, 4).Select(i => (object)new
            {
                prompt = $"Name color {i}", chosen = Conversation(("user", $"Name color {i}"), ("assistant", "Blue.")),
                rejected = Conversation(("user", $"Name color {i}"), ("assistant", "Dog.")),
            }));
        File.Move(files.File("alpaca_eval.json"), files.File("data/alpaca_eval.json"));

        var prepared = await RunSpecFile.PrepareAsync(spec, stack.Store, TextWriter.Null, CancellationToken.None);

        Assert.Equal((Scorer.Judge, 3, true), (prepared.Evaluation.Scorer, prepared.Rounds.Count, prepared.KeepBetterModel));
        Assert.Null(prepared.Sft);
        Assert.All(new[] { prepared.Given.PreferenceData, prepared.Given.Prompts, prepared.Given.EvalSet }, r =>
            Assert.StartsWith("uploads/datasets/", r.Name));
        Assert.StartsWith("uploads/models/", prepared.Evaluation.RewardModel.Prefix);
        // The server's validation accepts it as written; the run is stopped at once (its judge is on the internet).
        await stack.Client.StartRunAsync(new StartRunRequest { Spec = prepared, RunId = "example-spec" });
        Assert.Equal(RunState.Cancelled, (await stack.Client.CancelRunAsync(new CancelRunRequest { RunId = "example-spec" })).Run.State);
    }

    [Fact]
    public async Task Lora_and_checkpointing_flags_reach_every_training_stage_and_bad_values_are_refused_by_the_orchestrator()
    {
        using var files = new TempDirectory();
        var reward = WriteModelAndData(files);
        var spec = await ModelDataRun.PrepareAsync(Cli.Arguments.For("run", [.. Arguments(files, reward, "user-data"), "--lora", "8",
            "--lora-targets", "q_proj,v_proj", "--checkpointing"]),
            stack.Store, TextWriter.Null, CancellationToken.None);

        var trainings = new[] { spec.Sft, spec.Offline.Training }.Concat(spec.Rounds.Select(r => r.Train.Training)).ToList();
        Assert.All(trainings, t => Assert.Equal((8, 16.0, true), (t.Lora.Rank, t.Lora.Alpha, t.GradientCheckpointing)));
        Assert.All(trainings, t => Assert.Equal(["q_proj", "v_proj"], t.Lora.TargetModules));

        spec.Rounds[0].Train.Training.Lora.TargetModules.Add("lm_head");
        spec.Sft.Lora.Rank = 0;
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "bad-lora" }).ResponseAsync);
        Assert.Contains("spec.sft.lora.rank: is 0; it must be at least 1.", error.Status.Detail);
        Assert.Contains("spec.rounds[0].train.training.lora.target_modules: is [q_proj, v_proj, lm_head]", error.Status.Detail);
    }

    [Fact]
    public void A_spec_file_with_an_unknown_field_or_bad_json_is_refused_naming_the_file()
    {
        using var files = new TempDirectory();
        File.WriteAllText(files.File("typo.json"), "// a comment\n{ \"seed\": 1, \"roundz\": [] }");
        Assert.Contains("typo.json is not a RunSpec in protobuf JSON",
            Assert.Throws<UsageException>(() => RunSpecFile.Read(files.File("typo.json"))).Message);
        File.WriteAllText(files.File("broken.json"), "{ \"seed\": ");
        Assert.Contains("broken.json is not valid JSON", Assert.Throws<UsageException>(() => RunSpecFile.Read(files.File("broken.json"))).Message);
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() => RunSpecFile.Read(files.File("missing.json"))).Message);
    }
}
