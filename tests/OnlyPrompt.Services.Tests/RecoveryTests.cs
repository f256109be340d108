using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests;

/// <summary>Crashes in the middle of a round: the killed service is a real OS process, killed without warning.</summary>
public sealed class RecoveryTests : OwnStorage
{
    private RunManifestStore manifests = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        manifests = new RunManifestStore(Store);
    }

    [Fact]
    public async Task Killing_the_orchestrator_mid_round_resumes_the_run_without_redoing_committed_stages()
    {
        await using var sampler = await InProcessService.StartAsync(OnlyPrompt.Sampler.SamplerApp.Build, Settings("sampler"));
        await using var filter = await InProcessService.StartAsync(OnlyPrompt.Filter.FilterApp.Build, Settings("filter"));
        await using var trainer = await InProcessService.StartAsync(OnlyPrompt.Trainer.TrainerApp.Build, Settings("trainer"));
        await using var evaluator = await InProcessService.StartAsync(OnlyPrompt.Evaluator.EvaluatorApp.Build, Settings("evaluator"));
        string[] orchestratorSettings = [.. Settings("orchestrator"),
            .. LocalStack.WorkerAddresses(sampler.Address, filter.Address, trainer.Address, evaluator.Address)];
        var port = FreePort.Next();

        using (var first = await ServiceProcess.StartAsync("OnlyPrompt.Orchestrator", port, orchestratorSettings))
        {
            using var channel = first.Channel();
            await new OrchestratorClient(channel).StartRunAsync(new StartRunRequest { Spec = await SlowFirstRoundAsync(),
                RunId = "kill-orchestrator" });
            await WaitForStageAsync("kill-orchestrator", "round-1/filter");
            await Task.Delay(500);
            first.Kill();
        }
        var before = (await manifests.TryReadAsync("kill-orchestrator"))!.Run;
        Assert.DoesNotContain(before.Stages, s => s.Name == "round-1/train"); // the kill landed inside round 1
        Assert.Equal(RunState.Running, before.State);

        using var second = await ServiceProcess.StartAsync("OnlyPrompt.Orchestrator", port, orchestratorSettings);
        using var secondChannel = second.Channel();
        var run = await Runs.WatchToEndAsync(new OrchestratorClient(secondChannel), "kill-orchestrator", TimeSpan.FromMinutes(5));

        Assert.True(run.State == RunState.Succeeded, run.Error + second.Output);
        Assert.Equal(2, run.Attempts);
        Assert.Equal(RunPlan.For(run.Spec).Select(s => s.Name), run.Stages.Select(s => s.Name));
        foreach (var committed in before.Stages)
            Assert.Equal(committed, run.Stages.Single(s => s.Name == committed.Name)); // same record, same commit time: not redone
    }

    [Fact]
    public async Task Killing_the_trainer_mid_training_is_retried_and_the_job_resumes_from_its_checkpoint()
    {
        await using var sampler = await InProcessService.StartAsync(OnlyPrompt.Sampler.SamplerApp.Build, Settings("sampler"));
        await using var filter = await InProcessService.StartAsync(OnlyPrompt.Filter.FilterApp.Build, Settings("filter"));
        await using var evaluator = await InProcessService.StartAsync(OnlyPrompt.Evaluator.EvaluatorApp.Build, Settings("evaluator"));
        var port = FreePort.Next();
        string[] trainerSettings = [.. Settings("trainer"), "--Logging:LogLevel:OnlyPrompt", "Information"];
        var trainer = await ServiceProcess.StartAsync("OnlyPrompt.Trainer", port, trainerSettings);
        await using var orchestrator = await InProcessService.StartAsync(OrchestratorApp.Build, [
            .. Settings("orchestrator"), .. LocalStack.WorkerAddresses(sampler.Address, filter.Address, trainer.Address, evaluator.Address)]);
        var client = new OrchestratorClient(orchestrator.Channel);
        try
        {
            await client.StartRunAsync(new StartRunRequest { Spec = await SlowFirstRoundAsync(), RunId = "kill-trainer" });
            await WaitForStageAsync("kill-trainer", "round-1/filter");
            var jobState = Path.Combine(Work.Path, "trainer", "jobs", "kill-trainer.round-1.train", "state");
            await WaitUntilAsync(() => HasCompleteCheckpoint(jobState), "the trainer wrote no job checkpoint");
            trainer.Kill();
            trainer.Dispose();
            trainer = await ServiceProcess.StartAsync("OnlyPrompt.Trainer", port, trainerSettings);

            var run = await Runs.WatchToEndAsync(client, "kill-trainer", TimeSpan.FromMinutes(5));

            Assert.True(run.State == RunState.Succeeded, run.Error + trainer.Output);
            Assert.Equal(1, run.Attempts);
            Assert.Equal(RunPlan.For(run.Spec).Select(s => s.Name), run.Stages.Select(s => s.Name));
            Assert.Contains("job kill-trainer.round-1.train: resuming from step-", trainer.Output);
        }
        finally
        {
            trainer.Dispose();
        }
    }

    // A checkpoint being written lives in a step-N.partial-* sibling until it is complete; only a finished one counts.
    private static bool HasCompleteCheckpoint(string stateDirectory) =>
        Directory.Exists(stateDirectory) && Directory.EnumerateDirectories(stateDirectory, "step-*")
            .Any(d => int.TryParse(Path.GetFileName(d)["step-".Length..], out _) && File.Exists(Path.Combine(d, "trainer_state.json")));


    // Round 1 trains for many epochs so that a crash can land inside it (at a learning rate too small to wreck the model).
    private async Task<RunSpec> SlowFirstRoundAsync()
    {
        var spec = await Runs.SmokeAsync(Store, seed: 5);
        spec.Rounds[0].Train.Training.Epochs = 150;
        spec.Rounds[0].Train.Training.LearningRate = 1e-9;
        return spec;
    }

    private async Task WaitForStageAsync(string runId, string stage) =>
        await WaitUntilAsync(async () => (await manifests.TryReadAsync(runId))?.Run.Stages.Any(s => s.Name == stage) == true,
            $"{runId} never committed {stage}");

    private static Task WaitUntilAsync(Func<bool> condition, string failure) => WaitUntilAsync(() => Task.FromResult(condition()), failure);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(3))
                throw new TimeoutException(failure);
            await Task.Delay(50);
        }
    }
}
