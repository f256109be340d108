using Grpc.Core;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;

namespace OnlyPrompt.Services.Tests;

[Collection(ServiceStackCollection.Name)]
public sealed class RunSpecValidationTests(ServiceStack stack)
{
    [Fact]
    public async Task StartRun_refuses_a_bad_spec_with_InvalidArgument_naming_every_bad_field()
    {
        var spec = await Runs.SmokeAsync(stack.Store);
        spec.Rounds[0].RejectedScore = 12;
        spec.Rounds[2].RejectedScore = 5; // not above round 2's 5
        spec.Rounds[1].Train.Training.LearningRate = 0;
        spec.Rounds[1].Train.Training.Epochs = 0; // every broken rule of one settings record is named, not only the first
        spec.Sampling.TopP = 1.5;
        spec.Templates.Rejected = "no placeholder";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "bad-spec" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        string[] fields =
        [
            "spec.rounds[0].rejected_score", "spec.rounds[2].rejected_score", "spec.rounds[1].train.training.learning_rate: is 0; it must be > 0.",
            "spec.rounds[1].train.training.epochs: is 0; it must be positive.", "spec.sampling.top_p: is 1.5; it must be in (0, 1].",
            "spec.templates.rejected",
        ];
        foreach (var field in fields)
            Assert.Contains(field, error.Status.Detail);
        await Assert.ThrowsAsync<RpcException>(() => stack.Client.GetRunAsync(new GetRunRequest { RunId = "bad-spec" }).ResponseAsync);
    }

    [Fact]
    public async Task StartRun_refuses_bad_baseline_settings_naming_the_field()
    {
        var spec = await Runs.SmokeAsync(stack.Store);
        spec.Rounds[1].SelfJudge = new Sampler.V1.SelfJudgeSettings { SamplesPerPrompt = 1, JudgeTemplate = "grade {r}" };
        spec.AdaptiveGap = new AdaptiveGap { Step = 0, AccuracyThreshold = 1.5, MaxScore = 10 };
        spec.Rounds[0].Train.Loss.ChosenNllWeight = 0;
        spec.Rounds[0].NllAfterChosenPrefix = true;
        spec.Rounds[1].NllAfterChosenPrefix = true; // a self_judge round
        spec.Rounds[2].Train.Loss.Loss = PreferenceLoss.Ipo;
        spec.Rounds[2].Train.Loss.ChosenPenaltyWeight = 5;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "bad-baseline" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var field in new[] { "spec.rounds[1].self_judge.samples_per_prompt", "spec.rounds[1].self_judge.judge_template",
            "spec.adaptive_gap.step",
                     "spec.adaptive_gap.accuracy_threshold", "spec.adaptive_gap.max_score", "spec.require_increasing_schedule" })
            Assert.Contains(field, error.Status.Detail);
        Assert.Contains("spec.rounds[0].nll_after_chosen_prefix: is set, but train.loss.chosen_nll_weight is 0", error.Status.Detail);
        Assert.Contains("spec.rounds[1].nll_after_chosen_prefix: is set on a self_judge round", error.Status.Detail);
        Assert.Contains("spec.rounds[2].train.loss.chosen_penalty_weight: is 5; DPOP's penalty applies to DPO only", error.Status.Detail);
    }

    [Fact]
    public async Task StartRun_refuses_given_data_whose_blobs_are_missing_or_differ()
    {
        var present = (await stack.Store.UploadTextAsync("onlyprompt", "tests/eval.jsonl",
            "{\"prompt\": \"p\", \"answer\": \"a\", \"family\": \"sort\"}\n")).ToContract();
        var spec = await Runs.SmokeAsync(stack.Store);
        spec.Given = new GivenData
        {
            BaseModel = new CheckpointRef { Container = "onlyprompt", Prefix = "tests/no-such-model", Sha256 = new string('0', 64) },
            SftData = { new BlobRef { Container = "onlyprompt", Name = "tests/no-such.jsonl", Sha256 = new string('1', 64) } },
            PreferenceData = present.Clone(), Prompts = present.Clone(), EvalSet = present.Clone(),
        };
        spec.Given.Prompts.Sha256 = new string('2', 64);

        var error = await Assert.ThrowsAsync<RpcException>(() => stack.Client.StartRunAsync(new StartRunRequest { Spec = spec }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("spec.given.base_model: no checkpoint index", error.Status.Detail);
        Assert.Contains("spec.given.sft_data[0]: blob onlyprompt/tests/no-such.jsonl does not exist", error.Status.Detail);
        Assert.Contains("spec.given.prompts.sha256: does not match", error.Status.Detail);
        Assert.DoesNotContain("spec.given.eval_set", error.Status.Detail);
    }

    [Fact]
    public async Task Unknown_and_malformed_run_ids_are_refused()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            stack.Client.GetRunAsync(new GetRunRequest { RunId = "no-such-run" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var spec = await Runs.SmokeAsync(stack.Store);
        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "../escape" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Contains("run_id", malformed.Status.Detail);
    }
}
