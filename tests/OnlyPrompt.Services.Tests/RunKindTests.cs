using OnlyPrompt.Cli;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Services.Tests;

/// <summary>The method's baselines and ablations run through the orchestrator on the smoke preset, and the comparison tables read them back.</summary>
[Collection(ServiceStackCollection.Name)]
public sealed class RunKindTests(ServiceStack stack)
{
    [Fact]
    public async Task Every_run_kind_completes_on_the_smoke_preset_and_the_comparison_tables_read_them()
    {
        var method = await Runs.SmokeAsync(stack.Store, seed: 3);
        // The self-rewarding baseline labels pairs differently and trains with the method's DPO settings, NLL term included.
        Assert.All(RunKinds.Apply(method, RunKinds.SelfRewarding).Rounds, round =>
            Assert.Equal((method.Rounds[0].Train.Loss.Beta, 1.0), (round.Train.Loss.Beta, round.Train.Loss.ChosenNllWeight)));
        // ... but its chosen answers were never asked for with the prefix, so its NLL term stays on the plain prompt.
        var nllAfterPrefix = method.Clone();
        foreach (var round in nllAfterPrefix.Rounds)
            round.NllAfterChosenPrefix = true;
        Assert.All(RunKinds.Apply(nllAfterPrefix, RunKinds.SelfRewarding).Rounds, round => Assert.False(round.NllAfterChosenPrefix));
        Assert.All(RunKinds.Apply(nllAfterPrefix, RunKinds.FixedGap).Rounds, round => Assert.True(round.NllAfterChosenPrefix));
        var runs = new Dictionary<(int, string), Run>();
        foreach (var kind in RunKinds.All)
        {
            var id = $"kind-{kind}";
            await stack.Client.StartRunAsync(new StartRunRequest { Spec = RunKinds.Apply(method, kind), RunId = id });
            var run = await Runs.WatchToEndAsync(stack.Client, id, TimeSpan.FromMinutes(5));
            Assert.True(run.State == RunState.Succeeded, $"{kind}: {run.Error}");
            runs[(3, kind)] = run;
        }

        Stage(runs, RunKinds.FixedGap, "round-1/sample");
        Assert.All(Samples(runs[(3, RunKinds.FixedGap)]), s => Assert.Equal(method.Rounds[0].RejectedScore, s.Metrics["rejected_score"]));
        var adaptive = runs[(3, RunKinds.AdaptiveGap)];
        for (var round = 2; round <= method.Rounds.Count; round++)
        {
            var before = adaptive.Stages.Single(s => s.Name == $"round-{round - 1}/sample").Metrics["rejected_score"];
            var separated = adaptive.Stages.Single(s =>
                s.Name == $"round-{round - 1}/train").Metrics["mean/rewards/accuracies"] >= RunKinds.AdaptiveGapRule.AccuracyThreshold;
            Assert.Equal(separated ? Math.Min(before + RunKinds.AdaptiveGapRule.Step, 9) : before,
                adaptive.Stages.Single(s => s.Name == $"round-{round}/sample").Metrics["rejected_score"]);
        }
        foreach (var kind in new[] { RunKinds.OfflineDpo, RunKinds.OfflineSimPo, RunKinds.ChosenPrefix })
        {
            Assert.DoesNotContain(runs[(3, kind)].Stages, s => s.Round > 0);
            Assert.Contains("win_rate/sft", Stage(runs, kind, "init/evaluate").Metrics.Keys);
        }
        var prefixed = await EvaluationReports.ReadAsync(stack.Store, Stage(runs, RunKinds.ChosenPrefix, "sft/evaluate"), CancellationToken.None);
        Assert.Equal(PromptTemplates.DefaultChosen, prefixed.PromptPrefix);
        var prompts = ExperimentOptions.Preset("smoke", 3).World.RoundPrompts;
        foreach (var sample in Samples(runs[(3, RunKinds.SelfRewarding)]))
        {
            var grades = sample.Metrics.Where(m => m.Key.StartsWith("judge/grade_", StringComparison.Ordinal)).Sum(m => m.Value);
            Assert.Equal(RunKinds.SelfRewardingSamples * prompts, grades + sample.Metrics["judge/unjudged"]); // every answer judged, readable or not
            Assert.Equal(prompts, sample.Metrics["pairs"] + sample.Metrics["judge/unpaired"]);
        }
        foreach (var round in runs[(3, RunKinds.SelfRewarding)].Stages.Where(s => s.Name.EndsWith("/filter", StringComparison.Ordinal)))
        {
            // A round whose filter kept nothing trains nothing and commits no model; the next stages use the previous one.
            var train = Stage(runs, RunKinds.SelfRewarding, $"round-{round.Round}/train");
            Assert.Equal(round.Metrics["kept"] == 0, train.Checkpoint is null);
            Assert.Equal(round.Metrics["kept"] == 0 ? 1 : 0, train.Metrics.GetValueOrDefault("no_pairs"));
        }

        var report = Stage(runs, RunKinds.OnlyPrompting, "report");
        using var files = new TempDirectory();
        foreach (var (name, blob) in report.Files)
            await stack.Store.DownloadFileAsync(blob.ToStored(), files.File(name));
        var markdown = File.ReadAllText(files.File("report.md"));
        Assert.Contains("| round-3/evaluate | 0.", markdown);
        Assert.Contains("| 1 | prefixes, rejected score 3 |", markdown);
        var filtered = Stage(runs, RunKinds.OnlyPrompting, "round-1/filter").Metrics;
        Assert.InRange(filtered["pairs/chosen_quality"], 0, 1);
        Assert.InRange(filtered["pairs/chosen_better"] + filtered["pairs/chosen_worse"], 0, 1);
        // Every sampled pair is scored too; the kept ones are the sampled ones without the removed, so the two differ when the filter removed any.
        Assert.InRange(filtered["pairs/sampled/chosen_quality"], 0, 1);
        var kept = filtered["kept"];
        var sampled = Stage(runs, RunKinds.OnlyPrompting, "round-1/sample").Metrics["pairs"];
        Assert.True(kept == sampled || filtered["pairs/sampled/chosen_quality"] != filtered["pairs/chosen_quality"]
            || filtered["pairs/sampled/rejected_quality"] != filtered["pairs/rejected_quality"]);
        foreach (var picture in new[] { "quality.png", "win-rates.png", "calibration.png", "filter.png", "pairs.png", "training.png" })
        {
            Assert.Contains($"]({picture})", markdown);
            Assert.Equal([137, 80, 78, 71], File.ReadAllBytes(files.File(picture))[..4]);
        }
        Assert.Contains("| 1 | self-judge, grades ", await DownloadTextAsync(Stage(runs, RunKinds.SelfRewarding, "report").Files["report.md"]));

        var tables = await new ComparisonTables(stack.Store, runs).WriteAsync(CancellationToken.None);
        Assert.Contains("| SFT | ", tables);
        Assert.Matches(@"\| SFT \| 0\.\d{3} \| 50\.0 \| 50\.0 \|", tables); // the SFT model ties itself
        Assert.Matches(@"\| this method, round 3 \| 0\.\d{3} \| \d+\.\d \| \d+\.\d \|", tables);
        // A judge that grades every answer alike (or unreadably) gives a round without pairs: no quality to show.
        Assert.Matches(@"\| self-rewarding judge \| 1 \| - \| \d+ \| \d+ \| [\d.]+ \| ([\d.]+|-) \| ([\d.]+|-) \| (\d+ ?%|-) \| ([\d.]+|-) \| ([\d.]+|-) \| (\d+ ){10}\d+ \| [\d.]+ \|", tables);
        Assert.Matches(@"\| adaptive gap \| 2 \| \d \| \d+ \| \d+ \|", tables);
        Assert.Matches(@"\| adaptive gap, round 3 \| 0\.\d{3} \|", tables);
        Assert.DoesNotContain("not run", tables);
    }

    private async Task<string> DownloadTextAsync(Common.V1.BlobRef blob)
    {
        using var files = new TempDirectory();
        await stack.Store.DownloadFileAsync(blob.ToStored(), files.File("text"));
        return File.ReadAllText(files.File("text"));
    }

    private static StageRecord Stage(Dictionary<(int, string), Run> runs, string kind, string name) =>
        runs[(3, kind)].Stages.Single(s => s.Name == name);

    private static IEnumerable<StageRecord> Samples(Run run) => run.Stages.Where(s => s.Name.EndsWith("/sample", StringComparison.Ordinal));
}
