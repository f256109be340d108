using OnlyPrompt.Common.V1;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.Reuse;
using OnlyPrompt.Trainer.V1;

namespace OnlyPrompt.Services.Tests;

public sealed class StageKeyTests
{
    private static TrainRequest Sft(string runId) => new()
    {
        JobId = $"{runId}.sft", OutputContainer = "onlyprompt", OutputPrefix = $"runs/{runId}/sft/checkpoint",
        Policy = new CheckpointRef { Container = "onlyprompt", Prefix = "worlds/smoke-seed1/base", Sha256 = "aa" },
        Datasets = { new BlobRef { Container = "onlyprompt", Name = "worlds/smoke-seed1/sft.jsonl", Sha256 = "bb", Size = 10 } },
        Sft = new SftObjective(), Training = new TrainingSettings { LearningRate = 1e-3, Epochs = 2, Seed = 1 },
    };

    [Fact]
    public void Where_outputs_go_and_where_inputs_are_stored_do_not_change_the_key()
    {
        var moved = Sft("other-run");
        moved.Policy.Prefix = "runs/elsewhere/base";
        moved.Datasets[0].Container = "another-container";
        Assert.Equal(StageKey.For(StageKind.Sft, Sft("run")), StageKey.For(StageKind.Sft, moved));
    }

    [Fact]
    public void Every_setting_seed_and_input_hash_that_changes_the_result_changes_the_key()
    {
        var key = StageKey.For(StageKind.Sft, Sft("run"));
        var changes = new Action<TrainRequest>[]
        {
            r => r.Training.LearningRate = 2e-3, r => r.Training.Seed = 2, r => r.Training.Epochs = 3, r => r.Policy.Sha256 = "ab",
            r => r.Datasets[0].Sha256 = "bc", r => r.Datasets.Add(r.Datasets[0].Clone()), r => r.Preference = new PreferenceObjective(),
        };
        foreach (var change in changes)
        {
            var changed = Sft("run");
            change(changed);
            Assert.NotEqual(key, StageKey.For(StageKind.Sft, changed));
        }
        // The request is the same, but another kind of stage (or another version of one) computes something else.
        Assert.NotEqual(key, StageKey.For(StageKind.Offline, Sft("run")));
        Assert.NotEqual(key, StageKey.For(StageKind.Sft, Sft("run"), "extra input"));
        // Keying a request leaves it as it was: it is still sent.
        var sent = Sft("run");
        StageKey.For(StageKind.Sft, sent);
        Assert.Equal(Sft("run"), sent);
    }
}
