using OnlyPrompt.Experiment.Running;
using OnlyPrompt.Model;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Services.Tests;

[Collection(ServiceStackCollection.Name)]
public sealed class SmokeRunTests(ServiceStack stack)
{
    [Fact]
    public async Task Smoke_run_through_the_services_commits_every_planned_stage_once_and_matches_the_in_process_experiment()
    {
        var spec = await Runs.SmokeAsync(stack.Store, seed: 3);
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
        var directory = await stack.Store.DownloadCheckpointAsync(run.Stages.Last(s => s.Checkpoint is not null).Checkpoint, local.Path);
        using (var model = PretrainedModel.Load(directory))
            Assert.True(model.Model.Config.VocabSize > 0);

        // Same seeds, same code: the services reproduce the in-process experiment's numbers exactly.
        using var inProcessDirectory = new TempDirectory();
        var inProcess = new ExperimentRunner(ExperimentOptions.Preset("smoke", 3), inProcessDirectory.Path, _ => { }).Run();
        var evaluations = run.Stages.Where(s => s.Name.EndsWith("/evaluate", StringComparison.Ordinal)).Select(s => s.Evaluation).ToList();
        Assert.Equal(inProcess.Stages.Select(s => s.Evaluation.MeanQuality), evaluations.Select(e => e.MeanQuality), new ToleranceComparer(1e-6));
        Assert.Equal(inProcess.Stages.SelectMany(s => s.Calibration), evaluations.SelectMany(e => e.Calibration), new ToleranceComparer(1e-6));
        Assert.All(evaluations, e => Assert.Equal(11, e.Calibration.Count));
        Assert.Equal(inProcess.Stages.Where(s => s.Kept is not null && s.RejectedScore is not null).Select(s => (double)s.Kept!.Value),
            run.Stages.Where(s => s.Name.EndsWith("/filter", StringComparison.Ordinal)).Select(s => s.Metrics["kept"]));
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

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
