using System.Text.Json;
using System.Text.Json.Nodes;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Settings;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Lora;

/// <summary>
/// LoRA on a causal LM: adapters on the chosen projections with everything else frozen, saved in PEFT's layout
/// (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, tensors named
/// <c>base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight</c>), so PEFT's <c>PeftModel.from_pretrained</c> and
/// vLLM's LoRA serving load them, and merged into the base to write a full checkpoint.
/// </summary>
public static class LoraAdapters
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    private const string PeftPrefix = "base_model.model.";

    /// <summary>Adds an adapter to every targeted projection and freezes every other parameter; returns how many projections got one.</summary>
    public static int Attach(LlamaForCausalLM model, LoraSettings settings, long seed)
    {
        settings.Validate();
        var generator = new Generator((ulong)seed);
        var adapted = 0;
        foreach (var (name, module) in model.named_modules())
            if (module is Projection projection && settings.TargetModules.Contains(name[(name.LastIndexOf('.') + 1)..]))
            {
                projection.AddAdapter(settings, generator);
                adapted++;
            }
        if (adapted == 0)
            throw new ArgumentException($"no projection of the model is named one of {string.Join(", ", settings.TargetModules)}.", nameof(settings));
        foreach (var (name, parameter) in model.named_parameters())
            parameter.requires_grad = IsAdapterParameter(name);
        return adapted;
    }

    /// <summary>Folds every adapter into its projection's weight and unfreezes the model: a plain checkpoint again.</summary>
    public static void Merge(LlamaForCausalLM model)
    {
        foreach (var (_, module) in model.named_modules().ToList())
            if (module is Projection { HasAdapter: true } projection)
                projection.MergeAdapter();
        foreach (var (_, parameter) in model.named_parameters())
            parameter.requires_grad = true;
    }

    /// <summary>Writes the adapter alone in PEFT's layout; <paramref name="baseModel"/> is what adapter_config.json names as its base.</summary>
    public static void Save(LlamaForCausalLM model, LoraSettings settings, string directory, string baseModel)
    {
        var tensors = model.named_parameters().Where(p => IsAdapterParameter(p.name))
            .Select(p => KeyValuePair.Create(PeftPrefix + p.name, (Tensor)p.parameter)).ToList();
        if (tensors.Count == 0)
            throw new InvalidOperationException("the model has no LoRA adapter to save.");
        Directory.CreateDirectory(directory);
        SafeTensors.Save(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
            ["r"] = settings.Rank,
            ["lora_alpha"] = settings.Alpha,
            ["lora_dropout"] = settings.Dropout,
            ["target_modules"] = new JsonArray(settings.TargetModules.Select(m => (JsonNode)m).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["modules_to_save"] = null,
            ["layers_to_transform"] = null,
            ["layers_pattern"] = null,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["revision"] = null,
        };
        File.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Whether <paramref name="directory"/> holds a PEFT adapter without a model of its own (no config.json).</summary>
    public static bool IsAdapterOnly(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFile)) && !File.Exists(Path.Combine(directory, "config.json"));

    /// <summary>The adapter's base model as its adapter_config.json names it (base_model_name_or_path).</summary>
    public static string BaseModelOf(string directory)
    {
        var configPath = Path.Combine(directory, ConfigFile);
        return (JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject)?["base_model_name_or_path"]?.GetValue<string>() is { Length: > 0 } name
            ? name
            : throw new ModelFormatException($"{configPath}: base_model_name_or_path is missing; an adapter is loaded over the base it names.");
    }

    /// <summary>Reads a PEFT LoRA adapter folder into the model (adding the adapters it describes); returns its settings.</summary>
    public static LoraSettings Load(LlamaForCausalLM model, string directory)
    {
        var configPath = Path.Combine(directory, ConfigFile);
        var config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject
            ?? throw new ModelFormatException($"{configPath}: not a JSON object.");
        if ((string?)config["peft_type"] != "LORA")
            throw new ModelFormatException($"{configPath}: peft_type is '{config["peft_type"]}'; only LORA adapters are read.");
        if (config["use_dora"]?.GetValue<bool>() == true || config["use_rslora"]?.GetValue<bool>() == true)
            throw new ModelFormatException($"{configPath}: DoRA and rsLoRA adapters are not read.");
        var targets = config["target_modules"] switch
        {
            JsonArray list => list.Select(m => (string)m!).ToList(),
            JsonValue one => [(string)one!],
            _ => throw new ModelFormatException($"{configPath}: target_modules is missing."),
        };
        var settings = new LoraSettings((int)config["r"]!, (double)config["lora_alpha"]!, (double?)config["lora_dropout"] ?? 0, targets);
        Attach(model, settings, seed: 0);
        var weights = SafeTensors.Load(Path.Combine(directory, WeightsFile));
        try
        {
            var parameters = model.named_parameters().Where(p => IsAdapterParameter(p.name)).ToDictionary(p => PeftPrefix + p.name, p => p.parameter);
            foreach (var (name, parameter) in parameters)
            {
                var stored = weights.GetValueOrDefault(name)
                    ?? weights.GetValueOrDefault(name.Replace(".weight", ".default.weight", StringComparison.Ordinal))
                    ?? throw new ModelFormatException($"{directory}/{WeightsFile}: has no tensor {name}.");
                if (!stored.shape.SequenceEqual(parameter.shape))
                    throw new ModelFormatException($"{directory}/{WeightsFile}: {name} is [{string.Join(", ", stored.shape)}], the model expects " +
                        $"[{string.Join(", ", parameter.shape)}].");
                using (no_grad())
                    parameter.copy_(stored);
            }
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
        return settings;
    }

    private static bool IsAdapterParameter(string name) =>
        name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);
}
