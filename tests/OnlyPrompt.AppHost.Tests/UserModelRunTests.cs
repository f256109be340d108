using OnlyPrompt.Services;
using Azure.Storage.Blobs;
using Grpc.Net.Client;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;
using OnlyPrompt.TestSupport.Models;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.AppHost.Tests;

/// <summary>
/// A user with a Hugging Face model folder and a few data files runs the method from one CLI command against the
/// AppHost: a random Qwen2-shaped checkpoint with the real Qwen3 tokenizer and chat template, Parquet, JSON Lines and
/// AlpacaEval's JSON array, a tiny reward model as the primary scorer, and an LLM judge served by the system's own
/// OpenAI-compatible endpoint. A random model does not improve; the test checks the pipeline's invariants.
/// </summary>
public sealed class UserModelRunTests
{
    [Fact]
    public async Task A_spec_file_naming_local_folders_and_files_runs_sft_initialisation_and_two_rounds_scored_by_the_reward_model_and_the_judge()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        await using var system = await RunningAppHost.StartAsync(timeout.Token);
        using var files = new TempDirectory();
        var user = UserFiles.Write(files.Path);
        // The judge is the user's own model, served by the Sampler from storage: its verdicts are noise, so each must be
        // either read as a rating or counted as unreadable.
        var store = new BlobStore(new BlobServiceClient(system.BlobConnectionString));
        var judgeModel = (await store.UploadDirectoryAsync(StorageLayout.DefaultContainer, "judges/qwen-tiny", user.Model,
            timeout.Token)).ToContract();
        File.WriteAllText(files.File("run.spec.json"), Spec(user, files.Path, system.OpenAi, $"{judgeModel.Container}/{judgeModel.Prefix}"));

        var (exitCode, output) = await system.RunCliAsync(["run", "--spec", files.File("run.spec.json"), "--id", "user-run"], timeout.Token);

        Assert.True(exitCode == 0, output);
        Assert.Contains("spec.given.sft_data[0]: 8 SFT rows, conversational (messages), from train_sft.parquet", output);
        Assert.Contains("spec.given.preference_data: 6 preference rows, conversational with implicit prompt, with scores, from prefs.jsonl", output);
        Assert.Contains("spec.given.eval_set: 4 evaluation rows, AlpacaEval (instruction, reference output), from alpaca_eval.json", output);
        Assert.Contains("run user-run: succeeded", output);

        using var channel = GrpcChannel.ForAddress(system.Orchestrator);
        var run = (await new OrchestratorClient(channel).GetRunAsync(new GetRunRequest { RunId = "user-run" }, cancellationToken: timeout.Token)).Run;
        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(["prepare", "sft", "sft/evaluate", "init", "init/evaluate", "round-1/sample", "round-1/filter",
            "round-1/train", "round-1/evaluate",
            "round-2/sample", "round-2/filter", "round-2/train", "round-2/evaluate", "report"], run.Stages.Select(s => s.Name));
        Assert.Equal(Scorer.RewardModel, run.Spec.Evaluation.Scorer);
        foreach (var stage in run.Stages.Where(s => s.Evaluation is not null))
        {
            Assert.Equal(Scorer.RewardModel, stage.Evaluation.Scorer);
            Assert.Equal(stage.Evaluation.Reward.Mean, stage.Evaluation.MeanQuality, 5);
            Assert.Equal(11, stage.Evaluation.Calibration.Count);
            // Every answer was judged: a rating was read (and averaged) or the verdict was counted as unreadable.
            Assert.InRange(stage.Evaluation.JudgeUnreadable, 0, 4);
            Assert.Equal(stage.Evaluation.JudgeUnreadable == 4, stage.Evaluation.JudgeRating is null);
            Assert.Equal(stage.Evaluation.JudgeUnreadable, stage.Metrics["judge/unreadable"]);
        }
        foreach (var round in new[] { 1, 2 })
        {
            var sample = run.Stages.Single(s => s.Name == $"round-{round}/sample");
            var filter = run.Stages.Single(s => s.Name == $"round-{round}/filter");
            Assert.Equal(6, sample.Metrics["pairs"]);
            Assert.Equal(sample.Metrics["pairs"], filter.Metrics["kept"] + filter.Removed.Values.Sum());
            Assert.Equal(filter.Metrics["kept"] > 0, filter.Metrics.ContainsKey("pairs/chosen_reward"));
        }
        // The report names the scorer, and the files of the user's data were uploaded once, by content.
        await using var report = await store.OpenVerifiedReadAsync(run.Stages[^1].Files["report.md"].ToStored(), timeout.Token);
        Assert.Contains("scored by the reward model", await new StreamReader(report).ReadToEndAsync(timeout.Token));
        Assert.StartsWith("uploads/datasets/", run.Spec.Given.Prompts.Name);
    }

    // The shape of docs/examples/paper-setting.spec.json, at the size of a test.
    private static string Spec(UserFileSet user, string folder, Uri judgeUrl, string judgeModel)
    {
        string Local(string path) => Path.GetRelativePath(folder, path);
        static string Round(int score, double learningRate) =>
            $$"""{ "rejected_score": {{score}}, "train": { "loss": { "loss": "PREFERENCE_LOSS_DPO", "beta": 0.1, "chosen_nll_weight": 1.0 }, "training": { "learning_rate": {{learningRate}}, "epochs": 1, "tokens_per_batch": 256 } } }""";
        return $$"""
            // A user's run: local paths relative to this file.
            {
              "name": "qwen-tiny-user-data",
              "seed": 1,
              "given": {
                "base_model": { "prefix": "{{Local(user.Model)}}" },
                "sft_data": [ { "name": "{{Local(user.Sft)}}" } ],
                "preference_data": { "name": "{{Local(user.Preferences)}}" },
                "prompts": { "name": "{{Local(user.Prompts)}}" },
                "eval_set": { "name": "{{Local(user.Eval)}}" }
              },
              "sft": { "learning_rate": 1e-4, "epochs": 1, "tokens_per_batch": 256 },
              "offline": { "loss": { "loss": "PREFERENCE_LOSS_SIMPO", "beta": 2.0, "gamma": 1.6 }, "training": { "learning_rate": 1e-5, "epochs": 1, "tokens_per_batch": 256 } },
              // Two rounds, rejected score 3 then 5.
              "rounds": [ {{Round(3, 1e-5)}}, {{Round(5, 5e-6)}} ],
              "require_increasing_schedule": true,
              "sampling": { "max_new_tokens": 6, "temperature": 0.7, "top_p": 0.95, "batch_size": 8 },
              "filter": {},
              "evaluation": {
                "max_new_tokens": 6, "batch_size": 8, "calibration_prompts": 1,
                "scorer": "SCORER_REWARD_MODEL",
                "reward_model": { "prefix": "{{Local(user.RewardModel)}}" },
                "judge": { "base_url": "{{judgeUrl}}", "model": "{{judgeModel}}", "mode": "JUDGE_MODE_RATING", "max_tokens": 4 }
              }
            }
            """;
    }

    // The CLI as a user runs it: its own process, talking to the AppHost over gRPC and to its Azurite.
}
