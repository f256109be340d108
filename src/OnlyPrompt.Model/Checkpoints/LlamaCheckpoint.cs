using System.Text.Json;
using System.Text.Json.Nodes;
using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Checkpoints;

/// <summary>Reads and writes causal LMs in the Hugging Face directory layout (<c>config.json</c> + safetensors).</summary>
public static class LlamaCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string SingleWeightsFile = "model.safetensors";
    public const string ShardIndexFile = "model.safetensors.index.json";

    /// <summary>Files besides the weights that travel with a checkpoint when present.</summary>
    public static readonly string[] CompanionFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"];

    private static readonly string[] PickleExtensions = [".bin", ".pt", ".pth", ".ckpt", ".pkl"];

    /// <summary>Loads a checkpoint, converting weights to <paramref name="dtype"/> (default: the config's <c>torch_dtype</c>).</summary>
    public static LlamaForCausalLM Load(string directory, Device? device = null, ScalarType? dtype = null)
    {
        var configPath = ConfigPath(directory);
        var config = LlamaConfig.Load(configPath);
        if (config.IsSequenceClassifier)
            throw new ModelFormatException($"{configPath}: {config.Architecture} is a sequence classifier (a reward model), not a language model; " +
                "load it with RewardModel.Load.");
        return Build(new LlamaForCausalLM(config), directory, configPath, device, dtype);
    }

    /// <summary>Loads a <c>*ForSequenceClassification</c> checkpoint (a reward model when it has one label).</summary>
    public static LlamaForSequenceClassification LoadSequenceClassifier(string directory, Device? device = null, ScalarType? dtype = null)
    {
        var configPath = ConfigPath(directory);
        var config = LlamaConfig.Load(configPath);
        if (!config.IsSequenceClassifier)
            throw new ModelFormatException($"{configPath}: {config.Architecture} has no sequence-classification head; a reward model is a " +
                "*ForSequenceClassification checkpoint with a 'score' head.");
        return Build(new LlamaForSequenceClassification(config), directory, configPath, device, dtype);
    }

    private static string ConfigPath(string directory)
    {
        if (!Directory.Exists(directory))
            throw new ModelFormatException($"{directory}: checkpoint directory does not exist.");
        var configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath))
            throw new ModelFormatException($"{configPath}: missing; a Hugging Face checkpoint needs config.json.");
        return configPath;
    }

    private static TModel Build<TModel>(TModel model, string directory, string configPath, Device? device, ScalarType? dtype) where TModel
        : nn.Module, ILlamaModule
    {
        model.to(dtype ?? DTypes.Parse(model.Config.TorchDtype, configPath));
        CopyWeights(model, WeightFiles(directory));
        if (device is not null)
            model.to(device);
        return model;
    }

    /// <summary>Copies a checkpoint's weights into an existing model of the same architecture, keeping its dtype and device.</summary>
    public static void LoadWeights<TModel>(TModel model, string directory) where TModel : nn.Module, ILlamaModule =>
        CopyWeights(model, WeightFiles(directory));

    private static IReadOnlyList<string> WeightFiles(string directory)
    {
        var single = Path.Combine(directory, SingleWeightsFile);
        if (File.Exists(single))
            return [single];
        var index = Path.Combine(directory, ShardIndexFile);
        if (File.Exists(index))
        {
            var json = JsonNode.Parse(File.ReadAllText(index)) as JsonObject;
            if (json?["weight_map"] is not JsonObject map)
                throw new ModelFormatException($"{index}: no 'weight_map' object.");
            return map.Select(p => Path.Combine(directory, p.Value!.GetValue<string>())).Distinct().ToArray();
        }
        var pickles = Directory.EnumerateFiles(directory)
            .Where(f => PickleExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).ToArray();
        if (pickles.Length > 0)
            throw new ModelFormatException(
                $"{directory}: only pickle weights found ({string.Join(", ", pickles.Select(Path.GetFileName))}); they can execute code " +
                "when loaded, " +
                "so they are refused. Convert them to safetensors (e.g. save_pretrained(..., safe_serialization=True)).");
        throw new ModelFormatException($"{directory}: no {SingleWeightsFile} or {ShardIndexFile}.");
    }

    private static void CopyWeights<TModel>(TModel model, IReadOnlyList<string> files) where TModel : nn.Module, ILlamaModule
    {
        using var _ = no_grad();
        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var seen = new HashSet<string>();
        var unexpected = new List<string>();
        foreach (var path in files)
        {
            if (!File.Exists(path))
                throw new ModelFormatException($"{path}: shard listed in {ShardIndexFile} is missing.");
            using var file = File.OpenRead(path);
            foreach (var entry in SafeTensors.ReadHeader(path).Values)
            {
                if (!expected.TryGetValue(entry.Name, out var parameter))
                {
                    if (!IsIgnorable(entry.Name, model.Config))
                        unexpected.Add(entry.Name);
                    continue;
                }
                if (!entry.Shape.SequenceEqual(parameter.shape))
                    throw new ModelFormatException($"{path}: tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}], the config needs " +
                        $"[{string.Join(", ", parameter.shape)}].");
                if (entry.DType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
                    throw new ModelFormatException($"{path}: tensor '{entry.Name}' has dtype {entry.DType}; weights must be F32, BF16 or F16.");
                using var loaded = SafeTensors.ReadTensor(file, entry);
                parameter.copy_(loaded);
                seen.Add(entry.Name);
            }
        }
        var missing = expected.Keys.Where(k => !seen.Contains(k)).ToArray();
        if (missing.Length > 0)
            throw new ModelFormatException($"{string.Join(", ", files)}: {missing.Length} tensor(s) missing: " +
                $"{string.Join(", ", missing.Take(8))}{(missing.Length > 8 ? ", ..." : "")}.");
        if (unexpected.Count > 0)
            throw new ModelFormatException($"{string.Join(", ", files)}: {unexpected.Count} tensor(s) the architecture does not have: " +
                $"{string.Join(", ", unexpected.Take(8))}{(unexpected.Count > 8 ? ", ..." : "")}.");
    }

    // Older Llama checkpoints store rotary inverse frequencies; tied models may still carry a copy of the head.
    private static bool IsIgnorable(string name, LlamaConfig config) =>
        name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && name == "lm_head.weight");

    /// <summary>
    /// Writes the model (and any companion files found in <paramref name="companionSource"/>) to
    /// <paramref name="directory"/>. Everything goes to a temporary sibling directory first, which replaces the
    /// target only once complete, so a crash leaves either the old checkpoint or the new one, never half of one.
    /// </summary>
    public static void Save<TModel>(TModel model, string directory, string? companionSource = null, long maxShardBytes = 5_000_000_000)
        where TModel : nn.Module, ILlamaModule =>
        AtomicDirectory.Write(directory, staging => WriteInto(model, staging, companionSource, maxShardBytes));

    /// <summary>
    /// A freshly initialised causal LM (<see cref="LlamaForCausalLM.CreateRandom"/>) from a model folder without weights,
    /// written with that folder's tokenizer files to <paramref name="directory"/>: the same seed gives the same weights.
    /// </summary>
    public static void SaveInitialised(string configDirectory, string directory, long seed)
    {
        using var model = LlamaForCausalLM.CreateRandom(LlamaConfig.Load(Path.Combine(configDirectory, ConfigFile)), seed);
        Save(model, directory, companionSource: configDirectory);
    }

    /// <summary>Writes the checkpoint's files into an existing directory (part of a larger atomic write).</summary>
    public static void WriteInto<TModel>(TModel model, string directory, string? companionSource = null, long maxShardBytes = 5_000_000_000)
        where TModel : nn.Module, ILlamaModule
    {
        (model.Config with { TorchDtype = DTypes.Name(model.DType) }).Save(Path.Combine(directory, ConfigFile));
        WriteWeights(model, directory, maxShardBytes);
        if (companionSource is not null)
            foreach (var name in CompanionFiles)
                if (File.Exists(Path.Combine(companionSource, name)))
                    File.Copy(Path.Combine(companionSource, name), Path.Combine(directory, name));
    }

    private static void WriteWeights(nn.Module model, string directory, long maxShardBytes)
    {
        var tensors = model.named_parameters().Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter)).ToList();
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long shardBytes = 0;
        foreach (var pair in tensors)
        {
            var bytes = pair.Value.numel() * SafeTensors.ElementSize(pair.Value.dtype);
            if (shards[^1].Count > 0 && shardBytes + bytes > maxShardBytes)
            {
                shards.Add([]);
                shardBytes = 0;
            }
            shards[^1].Add(pair);
            shardBytes += bytes;
        }
        if (shards.Count == 1)
        {
            SafeTensors.Save(Path.Combine(directory, SingleWeightsFile), shards[0]);
            return;
        }
        var weightMap = new JsonObject();
        for (var i = 0; i < shards.Count; i++)
        {
            var name = $"model-{i + 1:00000}-of-{shards.Count:00000}.safetensors";
            SafeTensors.Save(Path.Combine(directory, name), shards[i]);
            foreach (var pair in shards[i])
                weightMap[pair.Key] = name;
        }
        var total = tensors.Sum(p => p.Value.numel() * SafeTensors.ElementSize(p.Value.dtype));
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, ShardIndexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
