using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnlyPrompt.Model.Configuration;

/// <summary>Llama-3 style rope frequency scaling (<c>rope_scaling</c> with <c>rope_type: llama3</c>).</summary>
public sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);

/// <summary>
/// The architecture of a Llama-family causal LM (Llama-2/3, Mistral, Qwen2), read from and written to a
/// Hugging Face <c>config.json</c> with the same field names.
/// </summary>
public sealed record LlamaConfig
{
    public static readonly IReadOnlyDictionary<string, string> SupportedArchitectures = new Dictionary<string, string>
    {
        ["LlamaForCausalLM"] = "llama",
        ["MistralForCausalLM"] = "mistral",
        ["Qwen2ForCausalLM"] = "qwen2",
    };

    /// <summary>The same bodies with a <c>score</c> head (reward models); see <see cref="NumLabels"/>.</summary>
    public static readonly IReadOnlyDictionary<string, string> SequenceClassificationArchitectures = new Dictionary<string, string>
    {
        ["LlamaForSequenceClassification"] = "llama",
        ["MistralForSequenceClassification"] = "mistral",
        ["Qwen2ForSequenceClassification"] = "qwen2",
    };

    public string Architecture { get; init; } = "LlamaForCausalLM";
    public string ModelType { get; init; } = "llama";
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int IntermediateSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int NumKeyValueHeads { get; init; }
    public int HeadDim { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public Llama3RopeScaling? RopeScaling { get; init; }
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on q/k/v projections: Qwen2 always, Llama when <c>attention_bias</c> is true.</summary>
    public bool AttentionQkvBias { get; init; }
    /// <summary>Bias on the output projection too (Llama's <c>attention_bias</c> covers all four).</summary>
    public bool AttentionOutputBias { get; init; }
    public bool MlpBias { get; init; }
    public int? SlidingWindow { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    /// <summary>The dtype the weights are stored in (<c>torch_dtype</c>): float32, bfloat16 or float16.</summary>
    public string TorchDtype { get; init; } = "float32";
    /// <summary>Outputs of a sequence-classification head (<c>id2label</c>'s size; 1 for a reward model).</summary>
    public int NumLabels { get; init; } = 2;

    public bool IsSequenceClassifier => SequenceClassificationArchitectures.ContainsKey(Architecture);

    /// <summary>The longest sequence the model accepts; with a sliding window, each token still sees only the last <see cref="SlidingWindow"/>.</summary>
    public int MaxSequenceLength => MaxPositionEmbeddings;

    public static LlamaConfig Load(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        if (root is not JsonObject json)
            throw new ModelFormatException($"{path}: expected a JSON object.");
        return Parse(json, path);
    }

    public static LlamaConfig Parse(JsonObject json, string source)
    {
        var architecture = json["architectures"] is JsonArray { Count: > 0 } list ? list[0]!.GetValue<string>() : null;
        var modelType = json["model_type"]?.GetValue<string>();
        var supported = string.Join(", ", SupportedArchitectures.Concat(SequenceClassificationArchitectures).Select(p => $"{p.Key} ({p.Value})"));
        if (architecture is null && modelType is null)
            throw new ModelFormatException($"{source}: neither 'architectures' nor 'model_type' is set; supported: {supported}.");
        if (architecture is not null && !SupportedArchitectures.ContainsKey(architecture) && !SequenceClassificationArchitectures.ContainsKey(architecture))
            throw new ModelFormatException($"{source}: architecture '{architecture}' is not supported; supported: {supported}.");
        if (modelType is not null && !SupportedArchitectures.Values.Contains(modelType))
            throw new ModelFormatException($"{source}: model_type '{modelType}' is not supported; supported: {supported}.");
        architecture ??= SupportedArchitectures.First(p => p.Value == modelType).Key;
        modelType ??= SupportedArchitectures.TryGetValue(architecture, out var type) ? type : SequenceClassificationArchitectures[architecture];

        int Required(string field) => json[field] is JsonValue v && v.TryGetValue<int>(out var i) && i > 0
            ? i
            : throw new ModelFormatException($"{source}: field '{field}' must be a positive integer.");
        int? OptionalInt(string field) => json[field] is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;
        double? OptionalDouble(string field) => json[field] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        bool OptionalBool(string field, bool fallback) => json[field] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : fallback;

        var hidden = Required("hidden_size");
        var heads = Required("num_attention_heads");
        var kvHeads = OptionalInt("num_key_value_heads") ?? heads;
        var headDim = OptionalInt("head_dim") ?? hidden / heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new ModelFormatException($"{source}: num_attention_heads ({heads}) must be a multiple of num_key_value_heads ({kvHeads}).");
        if (OptionalInt("head_dim") is null && hidden % heads != 0)
            throw new ModelFormatException($"{source}: hidden_size ({hidden}) must be divisible by num_attention_heads ({heads}).");
        if (headDim % 2 != 0)
            throw new ModelFormatException($"{source}: head_dim ({headDim}) must be even for rotary embeddings.");
        var act = json["hidden_act"]?.GetValue<string>() ?? "silu";
        if (act != "silu")
            throw new ModelFormatException($"{source}: hidden_act '{act}' is not supported; only 'silu' (SwiGLU).");

        var llamaAttentionBias = OptionalBool("attention_bias", false);
        var dtype = json["torch_dtype"]?.GetValue<string>() ?? json["dtype"]?.GetValue<string>() ?? "float32";
        return new LlamaConfig
        {
            Architecture = architecture,
            ModelType = modelType,
            VocabSize = Required("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = Required("intermediate_size"),
            NumHiddenLayers = Required("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = OptionalInt("max_position_embeddings") ?? 2048,
            RmsNormEps = OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = OptionalDouble("rope_theta") ?? 10000,
            RopeScaling = ParseRopeScaling(json["rope_scaling"], source),
            TieWordEmbeddings = OptionalBool("tie_word_embeddings", false),
            AttentionQkvBias = modelType == "qwen2" || llamaAttentionBias,
            AttentionOutputBias = modelType != "qwen2" && llamaAttentionBias,
            MlpBias = OptionalBool("mlp_bias", false),
            SlidingWindow = modelType == "mistral" || OptionalBool("use_sliding_window", false) ? OptionalInt("sliding_window") : null,
            BosTokenId = OptionalInt("bos_token_id"),
            EosTokenIds = json["eos_token_id"] switch
            {
                JsonArray ids => ids.Select(i => i!.GetValue<int>()).ToArray(),
                JsonValue id when id.TryGetValue<int>(out var single) => [single],
                _ => [],
            },
            PadTokenId = OptionalInt("pad_token_id"),
            TorchDtype = dtype,
            NumLabels = json["id2label"] is JsonObject labels ? labels.Count : OptionalInt("num_labels") ?? 2,
        };
    }

    private static Llama3RopeScaling? ParseRopeScaling(JsonNode? node, string source)
    {
        if (node is not JsonObject scaling)
            return null;
        var type = scaling["rope_type"]?.GetValue<string>() ?? scaling["type"]?.GetValue<string>();
        if (type == "default")
            return null;
        if (type != "llama3")
            throw new ModelFormatException($"{source}: rope_scaling type '{type}' is not supported; only 'llama3'.");
        double Field(string name) => scaling[name]?.GetValue<double>()
            ?? throw new ModelFormatException($"{source}: rope_scaling.{name} is required for llama3 scaling.");
        return new Llama3RopeScaling(Field("factor"), Field("low_freq_factor"), Field("high_freq_factor"),
            (int)Field("original_max_position_embeddings"));
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(Architecture),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype,
        };
        if (ModelType == "llama")
        {
            json["attention_bias"] = AttentionQkvBias;
            json["mlp_bias"] = MlpBias;
        }
        if (RopeScaling is { } s)
            json["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3",
                ["factor"] = s.Factor,
                ["low_freq_factor"] = s.LowFreqFactor,
                ["high_freq_factor"] = s.HighFreqFactor,
                ["original_max_position_embeddings"] = s.OriginalMaxPositionEmbeddings,
            };
        if (SlidingWindow is { } window)
            json["sliding_window"] = window;
        if (BosTokenId is { } bos)
            json["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1)
            json["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1)
            json["eos_token_id"] = new JsonArray(EosTokenIds.Select(i => (JsonNode)i).ToArray());
        if (PadTokenId is { } pad)
            json["pad_token_id"] = pad;
        if (IsSequenceClassifier)
        {
            json["id2label"] = new JsonObject(Enumerable.Range(0, NumLabels).Select(i => KeyValuePair.Create($"{i}", (JsonNode?)$"LABEL_{i}")));
            json["label2id"] = new JsonObject(Enumerable.Range(0, NumLabels).Select(i => KeyValuePair.Create($"LABEL_{i}", (JsonNode?)i)));
        }
        return json;
    }

    public void Save(string path) =>
        File.WriteAllText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
