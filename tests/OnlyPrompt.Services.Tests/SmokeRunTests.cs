using OnlyPrompt.Model;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;

namespace OnlyPrompt.Services.Tests;

[Collection(ServiceStackCollection.Name)]
public sealed class SmokeRunTests(ServiceStack stack)
{
    [Fact]
    public async Task Smoke_run_through_the_services_commits_every_planned_stage_once_with_the_study_probes()
    {
        var spec = await Runs.SmokeAsync(stack.Store, seed: 3);
        spec.LikelihoodProbe = true;
        spec.Evaluation.PrefixGapEveryStage = true;
        await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "smoke-services" });
        var run = await Runs.WatchToEndAsync(stack.Client, "smoke-services", TimeSpan.FromMinutes(5));

        Assert.True(run.State == RunState.Succeeded, run.Error);
        Assert.Equal(RunPlan.For(spec).Select(s => s.Name), run.Stages.Select(s => s.Name));
        Assert.Equal(1, run.Attempts);
        for (var round = 1; round <= spec.Rounds.Count; round++)
        {
            var sample = run.Stages.Single(s => s.Name == $"round-{round}/sample");
            var filter = run.Stages.Single(s => s.Name == $"round-{round}/filter");
            Assert.Equal(spec.Rounds[round - 1].RejectedScore, sample.Metrics["rejected_score"]);
            Assert.Equal(sample.Metrics["pairs"], filter.Metrics["kept"] + filter.Removed.Values.Sum());
            Assert.StartsWith($"runs/smoke-services/round-{round}/", sample.Files["pairs"].Name);
        }
        foreach (var evaluation in run.Stages.Where(s => s.Evaluation is not null).Select(s => s.Evaluation))
            Assert.InRange(evaluation.MeanQuality, 0, 1);

        // The last checkpoint is a loadable Hugging Face checkpoint, verified file by file on the way down.
        using var local = new TempDirectory();
        var directory = await stack.Store.DownloadCheckpointAsync(run.Stages.Last(s => s.Checkpoint is not null).Checkpoint.ToStored(), local.Path);
        using (var model = PretrainedModel.Load(directory))
            Assert.True(model.Model.Config.VocabSize > 0);

        // The study probes: each round's likelihood probe and the prefixed quality after every stage.
        foreach (var evaluation in run.Stages.Where(s => s.Evaluation is not null).Select(s => s.Evaluation))
        {
            Assert.Equal(11, evaluation.Calibration.Count);
            Assert.NotNull(evaluation.PrefixGap);
            Assert.InRange(evaluation.PrefixedQuality, 0, 1);
            Assert.Equal(evaluation.PrefixedQuality - evaluation.MeanQuality, evaluation.PrefixGap.Mean, 1e-9);
        }
        foreach (var train in run.Stages.Where(s => s.Name.EndsWith("/train", StringComparison.Ordinal)
            && s.Metrics.GetValueOrDefault("no_pairs") == 0))
        {
            string[] readings = [LikelihoodMetrics.ChosenPlain, LikelihoodMetrics.ChosenPrefixed, LikelihoodMetrics.RejectedPlain,
                LikelihoodMetrics.RejectedPrefixed];
            Assert.All(readings, reading => Assert.True(train.Metrics[LikelihoodMetrics.Before(reading)] < 0, reading));
            Assert.InRange(train.Metrics[LikelihoodMetrics.Fell(LikelihoodMetrics.ChosenPrefixed)], 0, 1);
            Assert.True(train.Metrics["nll_loss"] > 0);
        }
        Assert.All(run.Stages.Where(s => s.Name.EndsWith("/filter", StringComparison.Ordinal)),
            filter => Assert.InRange(filter.Metrics["pairs/sampled/chosen_quality"], 0, 1));
    }

    [Fact]
    public async Task The_nll_term_after_the_chosen_prefix_raises_the_chosen_answers_likelihood_there()
    {
        async Task<StageRecord> RoundAsync(bool afterChosenPrefix)
        {
            var spec = await Runs.SmokeAsync(stack.Store, seed: 3);
            while (spec.Rounds.Count > 1)
                spec.Rounds.RemoveAt(spec.Rounds.Count - 1);
            spec.Rounds[0].Train.Training.LearningRate = 1e-3;
            spec.Rounds[0].NllAfterChosenPrefix = afterChosenPrefix;
            spec.LikelihoodProbe = true;
            var runId = $"smoke-nll-{(afterChosenPrefix ? "prefixed" : "plain")}";
            await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = runId });
            var run = await Runs.WatchToEndAsync(stack.Client, runId, TimeSpan.FromMinutes(5));
            Assert.True(run.State == RunState.Succeeded, run.Error);
            return run.Stages.Single(s => s.Name == "round-1/train");
        }
        var plain = await RoundAsync(afterChosenPrefix: false);
        var prefixed = await RoundAsync(afterChosenPrefix: true);
        double Change(StageRecord train) => train.Metrics[LikelihoodMetrics.After(LikelihoodMetrics.ChosenPrefixed)] - train.Metrics[LikelihoodMetrics.Before(LikelihoodMetrics.ChosenPrefixed)];

        // The same policy before the round (the runs share every stage before it), a larger rise after the prefix.
        Assert.Equal(plain.Metrics[LikelihoodMetrics.Before(LikelihoodMetrics.ChosenPrefixed)],
            prefixed.Metrics[LikelihoodMetrics.Before(LikelihoodMetrics.ChosenPrefixed)]);
        Assert.True(Change(prefixed) > Change(plain), $"{Change(prefixed)} against {Change(plain)}");
    }

    [Fact]
    public async Task With_pi_0_as_every_rounds_reference_round_1_is_the_methods_and_round_2_is_its_own()
    {
        async Task<Run> RunAsync(RoundReference reference)
        {
            var spec = await Runs.SmokeAsync(stack.Store, seed: 6);
            spec.Rounds.RemoveAt(2);
            spec.RoundReference = reference;
            var runId = $"smoke-reference-{reference}".ToLowerInvariant();
            await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = runId });
            var run = await Runs.WatchToEndAsync(stack.Client, runId, TimeSpan.FromMinutes(5));
            Assert.True(run.State == RunState.Succeeded, run.Error);
            return run;
        }
        var method = await RunAsync(RoundReference.Previous);
        var initial = await RunAsync(RoundReference.Initial);

        // Round 1's reference is pi_0 either way, so that stage is shared; round 2 trains against pi_0, not round 1's model.
        Assert.Equal(method.RunId, initial.Stages.Single(s => s.Name == "round-1/train").ReusedFrom?.RunId);
        var (methodRound2, initialRound2) = (method.Stages.Single(s => s.Name == "round-2/train"),
            initial.Stages.Single(s => s.Name == "round-2/train"));
        Assert.Null(initialRound2.ReusedFrom);
        Assert.NotEqual(methodRound2.Key, initialRound2.Key);
        Assert.NotEqual(methodRound2.Checkpoint.Sha256, initialRound2.Checkpoint.Sha256);
    }

    [Fact]
    public async Task Cancelling_a_run_stops_it_and_keeps_what_was_committed()
    {
        var spec = await Runs.SmokeAsync(stack.Store, seed: 4);
        await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "smoke-cancelled" });
        await Runs.WaitForAsync(stack.Client, "smoke-cancelled", r => r.Stages.Count >= 1, TimeSpan.FromMinutes(2));
        var cancelled = (await stack.Client.CancelRunAsync(new CancelRunRequest { RunId = "smoke-cancelled" })).Run;

        Assert.Equal(RunState.Cancelled, cancelled.State);
        Assert.Contains("cancelled", cancelled.Error);
        Assert.True(cancelled.Stages.Count < RunPlan.For(spec).Count);
        Assert.Equal("prepare", cancelled.Stages[0].Name);
        var listed = (await stack.Client.ListRunsAsync(new ListRunsRequest())).Runs.Single(r => r.RunId == "smoke-cancelled");
        Assert.Equal(RunState.Cancelled, listed.State);
    }
}
