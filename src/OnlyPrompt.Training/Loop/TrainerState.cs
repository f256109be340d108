using System.Globalization;
using System.Text.Json;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Llama;
using TorchSharp.Modules;
using static TorchSharp.torch;

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
    private const string MastersFile = "master_weights.safetensors";

    /// <summary>
    /// Writes model (Hugging Face layout), optimizer state, the fp32 master weights under mixed precision, and this state
    /// as one atomic directory.
    /// </summary>
    public void Save(string directory, LlamaForCausalLM model, OptimizerHelper optimizer, MasterWeights? masters = null) =>
        AtomicDirectory.Write(directory, staging =>
        {
            var modelDirectory = Path.Combine(staging, ModelFolder);
            Directory.CreateDirectory(modelDirectory);
            LlamaCheckpoint.WriteInto(model, modelDirectory);
            optimizer.save_state_dict(Path.Combine(staging, OptimizerFile));
            if (masters is not null)
                SafeTensors.Save(Path.Combine(staging, MastersFile),
                    masters.Masters.Select((p, i) => KeyValuePair.Create(i.ToString(CultureInfo.InvariantCulture), (Tensor)p)));
            File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(this));
        });

    /// <summary>
    /// Loads a checkpoint written by <see cref="Save"/> into an existing model, optimizer and, under mixed precision, master weights.
    /// </summary>
    public static TrainerState Load(string directory, LlamaForCausalLM model, OptimizerHelper optimizer, MasterWeights? masters = null)
    {
        var statePath = Path.Combine(directory, StateFile);
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"{statePath}: not a trainer checkpoint (no {StateFile}).", statePath);
        var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath))
            ?? throw new InvalidDataException($"{statePath}: empty trainer state.");
        LlamaCheckpoint.LoadWeights(model, Path.Combine(directory, ModelFolder));
        optimizer.load_state_dict(Path.Combine(directory, OptimizerFile));
        if (masters is not null)
        {
            var mastersPath = Path.Combine(directory, MastersFile);
            if (!File.Exists(mastersPath))
                throw new FileNotFoundException($"{mastersPath}: this checkpoint was not written under mixed precision; resume it without.",
                    mastersPath);
            var saved = SafeTensors.Load(mastersPath);
            using (no_grad())
                for (var i = 0; i < masters.Masters.Length; i++)
                    masters.Masters[i].copy_(saved[i.ToString(CultureInfo.InvariantCulture)]);
            masters.PutWeights();
        }
        return state;
    }
}
