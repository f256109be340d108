using System.Text.Json;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Llama;
using TorchSharp.Modules;

namespace OnlyPrompt.Training.Loop;

/// <summary>
/// Where training stands: optimizer steps taken, and the next micro-batch of which epoch. With the model, the
/// optimizer state and the seeded epoch plans, this resumes to the same trajectory.
/// </summary>
public sealed record TrainerState(int Step, int Epoch, int NextBatch)
{
    private const string ModelFolder = "model";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "trainer_state.json";

    /// <summary>Writes model (Hugging Face layout), optimizer state and this state as one atomic directory.</summary>
    public void Save(string directory, LlamaForCausalLM model, OptimizerHelper optimizer) =>
        AtomicDirectory.Write(directory, staging =>
        {
            var modelDirectory = Path.Combine(staging, ModelFolder);
            Directory.CreateDirectory(modelDirectory);
            LlamaCheckpoint.WriteInto(model, modelDirectory);
            optimizer.save_state_dict(Path.Combine(staging, OptimizerFile));
            File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(this));
        });

    /// <summary>Loads a checkpoint written by <see cref="Save"/> into an existing model and optimizer.</summary>
    public static TrainerState Load(string directory, LlamaForCausalLM model, OptimizerHelper optimizer)
    {
        var statePath = Path.Combine(directory, StateFile);
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"{statePath}: not a trainer checkpoint (no {StateFile}).", statePath);
        var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath))
            ?? throw new InvalidDataException($"{statePath}: empty trainer state.");
        LlamaCheckpoint.LoadWeights(model, Path.Combine(directory, ModelFolder));
        optimizer.load_state_dict(Path.Combine(directory, OptimizerFile));
        return state;
    }
}
