using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.Reporting;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OnlyPrompt.Storage;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests;

/// <summary>Stages keyed by their inputs are computed once across runs; each test has its own storage, so nothing is reused from elsewhere.</summary>
public sealed class StageReuseTests : OwnStorage
{
    [Fact]
    public async Task Runs_that_differ_in_a_round_share_the_stages_before_it_by_reference_and_a_changed_setting_or_seed_shares_nothing_after_it()
    {
        var client = new OrchestratorClient((await StartStackAsync()).Channel);
        var first = await Runs.SmokeAsync(Store, seed: 6);
        var otherRoundLr = first.Clone();
        otherRoundLr.Rounds[0].Train.Training.LearningRate *= 2;
        var otherSftLr = first.Clone();
        otherSftLr.Sft.LearningRate *= 2;
        var otherSeed = await Runs.SmokeAsync(Store, seed: 7);

        var runs = new Dictionary<string, Run>();
        foreach (var (id, spec) in new[] { ("first", first), ("round-lr", otherRoundLr), ("sft-lr", otherSftLr), ("seed", otherSeed) })
        {
            await client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = id });
            runs[id] = await Runs.WatchToEndAsync(client, id, TimeSpan.FromMinutes(5));
            Assert.True(runs[id].State == RunState.Succeeded, runs[id].Error);
        }

        Assert.All(runs["first"].Stages, s => Assert.Null(s.ReusedFrom));
        // Round 1's learning rate changes round 1's training and what follows it; sampling and filtering round 1 do not depend on it.
        // The prepare stage only records the given data, so every run has its own; the stages after it are shared.
        foreach (var name in new[] { "initialise", "sft", "sft/evaluate", "init", "init/evaluate", "round-1/sample", "round-1/filter" })
            AssertReused(runs["first"], runs["round-lr"], name);
        foreach (var name in new[] { "round-1/train", "round-1/evaluate", "round-2/sample", "report" })
            Assert.Null(Stage(runs["round-lr"], name).ReusedFrom);
        // The SFT learning rate leaves the world and the base model's weights alone and changes everything from SFT on.
        AssertReused(runs["first"], runs["sft-lr"], "initialise");
        Assert.All(runs["sft-lr"].Stages.Where(s => s.Name != "initialise"), s => Assert.Null(s.ReusedFrom));
        Assert.All(runs["seed"].Stages, s => Assert.Null(s.ReusedFrom));
        Assert.NotEqual(Stage(runs["first"], "sft").Key, Stage(runs["sft-lr"], "sft").Key);

        // What the Trainer computed, counted in storage: three SFT models for four runs.
        Assert.Equal(3, await CountAsync("/sft/checkpoint/index.json"));
        Assert.Equal(4, await CountAsync("/round-1/checkpoint/index.json"));
        // Every stage the report reads is there by reference, and the report says which were reused.
        var report = Stage(runs["round-lr"], "report").Files[RunReport.MarkdownFile];
        await using var stream = await Store.OpenVerifiedReadAsync(report.ToStored());
        Assert.Contains("sft from run first", await new StreamReader(stream).ReadToEndAsync());
    }

    [Fact]
    public async Task Two_runs_that_reach_the_same_stage_together_compute_it_once()
    {
        var client = new OrchestratorClient((await StartStackAsync()).Channel);
        var spec = await Runs.SmokeAsync(Store, seed: 6);
        spec.Rounds.RemoveAt(1);
        await Task.WhenAll(client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "left" }).ResponseAsync,
            client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "right" }).ResponseAsync);
        var left = await Runs.WatchToEndAsync(client, "left", TimeSpan.FromMinutes(5));
        var right = await Runs.WatchToEndAsync(client, "right", TimeSpan.FromMinutes(5));

        Assert.True(left.State == RunState.Succeeded && right.State == RunState.Succeeded, left.Error + right.Error);
        foreach (var stage in RunPlan.For(spec).Where(s => s.Kind is not (StageKind.Prepare or StageKind.Report)))
        {
            var (l, r) = (Stage(left, stage.Name), Stage(right, stage.Name));
            Assert.True((l.ReusedFrom is null) != (r.ReusedFrom is null), $"{stage.Name}: exactly one run computes it");
            Assert.Equal(l.Checkpoint, r.Checkpoint);
            Assert.Equal(l.Files, r.Files);
        }
        Assert.Equal(1, await CountAsync("/sft/checkpoint/index.json"));
        Assert.Equal(1, await CountAsync("/round-1/checkpoint/index.json"));
    }

    [Fact]
    public async Task When_the_run_computing_a_shared_stage_crashes_the_waiting_run_takes_it_over_after_the_lease()
    {
        string[] orchestratorSettings = [.. Settings("orchestrator"), .. await StartWorkersAsync()];
        var spec = await Runs.SmokeAsync(Store, seed: 6);
        spec.Rounds.Clear();
        spec.Offline = null;
        spec.Sft.Epochs *= 4; // long enough for the crash to land inside SFT
        using var crashing = await ServiceProcess.StartAsync("OnlyPrompt.Orchestrator", FreePort.Next(), orchestratorSettings);
        using (var channel = crashing.Channel())
            await new OrchestratorClient(channel).StartRunAsync(new StartRunRequest { Spec = spec, RunId = "crashing" });
        var claim = await WaitForClaimAsync("crashing", "sft");

        var waiting = Own(await InProcessService.StartAsync(OrchestratorApp.Build, [.. orchestratorSettings, "--OnlyPrompt:ResumeOnStart", "false"]));
        var client = new OrchestratorClient(waiting.Channel);
        await client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "waiting" });
        await Runs.WaitForAsync(client, "waiting", r => r.Stages.Any(s => s.Name == "prepare"), TimeSpan.FromMinutes(2));
        crashing.Kill();
        var run = await Runs.WatchToEndAsync(client, "waiting", TimeSpan.FromMinutes(5));

        Assert.True(run.State == RunState.Succeeded, run.Error);
        var sft = Stage(run, "sft");
        Assert.Null(sft.ReusedFrom); // computed here, once the crashed run's lease ran out
        Assert.Equal(claim, sft.Key);
        Assert.StartsWith("runs/waiting/sft/", sft.Checkpoint.Prefix);
        var shared = SharedStage.Parser.ParseJson((await (await Store.ContainerAsync(StorageLayout.DefaultContainer))
            .GetBlobClient(StorageLayout.SharedStage(claim)).DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(sft.Checkpoint, shared.Record.Checkpoint);
        Assert.Equal("waiting", shared.Origin.RunId);
    }

    private static void AssertReused(Run from, Run to, string name)
    {
        var (original, reused) = (Stage(from, name), Stage(to, name));
        Assert.Equal(new StageOrigin { RunId = from.RunId, Stage = name }, reused.ReusedFrom);
        Assert.Equal(original.Key, reused.Key);
        Assert.Equal(original.Checkpoint, reused.Checkpoint); // the same blobs, by reference: identical hashes and names
        Assert.Equal(original.Files, reused.Files);
        Assert.Equal(original.Metrics, reused.Metrics);
    }

    private static StageRecord Stage(Run run, string name) => run.Stages.Single(s => s.Name == name);

    private async Task<int> CountAsync(string suffix)
    {
        var count = 0;
        await foreach (var blob in (await Store.ContainerAsync(StorageLayout.DefaultContainer)).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = StorageLayout.RunsPrefix }))
            if (blob.Name.EndsWith(suffix, StringComparison.Ordinal))
                count++;
        return count;
    }

    // The key the run has claimed for the stage, once its claim is in storage.
    private async Task<string> WaitForClaimAsync(string runId, string stage)
    {
        var container = await Store.ContainerAsync(StorageLayout.DefaultContainer);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "stages/" }))
            {
                var shared = SharedStage.Parser.ParseJson((await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());
                if (shared.Origin.RunId == runId && shared.Origin.Stage == stage && shared.Record is null)
                    return shared.Key;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{runId} never claimed {stage}.");
    }

    // A short lease, so that taking over from a crashed run takes seconds.
    protected override string[] Settings(string service) =>
        [.. base.Settings(service), "--OnlyPrompt:Reuse:Lease", "00:00:03", "--OnlyPrompt:Reuse:Poll", "00:00:00.200"];
}
