using System.Text.Json;

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

    /// <summary>
    /// The longest sequence the model accepts; with a sliding window, each token still sees only the last <see cref="SlidingWindow"/>.
    /// </summary>
    public int MaxSequenceLength => MaxPositionEmbeddings;

    public static LlamaConfig Load(string path)
    {
        ConfigJson? json;
        try
        {
            json = JsonSerializer.Deserialize<ConfigJson>(File.ReadAllText(path), ConfigJson.Options);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } at ? $", at {at[2..]}" : "";
            throw new ModelFormatException($"{path}: not a valid config (line {e.LineNumber + 1}{field}): {e.Message}", e);
        }
        return From(json ?? throw new ModelFormatException($"{path}: expected a JSON object."), path);
    }

    private static LlamaConfig From(ConfigJson json, string source)
    {
        var architecture = json.Architectures is [var first, ..] ? first : null;
        var modelType = json.ModelType;
        var supported = string.Join(", ", SupportedArchitectures.Concat(SequenceClassificationArchitectures).Select(p => $"{p.Key} ({p.Value})"));
        if (architecture is null && modelType is null)
            throw new ModelFormatException($"{source}: neither 'architectures' nor 'model_type' is set; supported: {supported}.");
        if (architecture is not null && !SupportedArchitectures.ContainsKey(architecture)
            && !SequenceClassificationArchitectures.ContainsKey(architecture))
            throw new ModelFormatException($"{source}: architecture '{architecture}' is not supported; supported: {supported}.");
        if (modelType is not null && !SupportedArchitectures.Values.Contains(modelType))
            throw new ModelFormatException($"{source}: model_type '{modelType}' is not supported; supported: {supported}.");
        architecture ??= SupportedArchitectures.First(p => p.Value == modelType).Key;
        modelType ??= SupportedArchitectures.TryGetValue(architecture, out var type) ? type : SequenceClassificationArchitectures[architecture];

        int Positive(int? value, string field) => value is > 0 ? value.Value
            : throw new ModelFormatException($"{source}: field '{field}' must be a positive integer.");
        var hidden = Positive(json.HiddenSize, "hidden_size");
        var heads = Positive(json.NumAttentionHeads, "num_attention_heads");
        var kvHeads = json.NumKeyValueHeads ?? heads;
        var headDim = json.HeadDim ?? hidden / heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new ModelFormatException($"{source}: num_attention_heads ({heads}) must be a multiple of num_key_value_heads ({kvHeads}).");
        if (json.HeadDim is null && hidden % heads != 0)
            throw new ModelFormatException($"{source}: hidden_size ({hidden}) must be divisible by num_attention_heads ({heads}).");
        if (headDim % 2 != 0)
            throw new ModelFormatException($"{source}: head_dim ({headDim}) must be even for rotary embeddings.");
        if ((json.HiddenAct ?? "silu") != "silu")
            throw new ModelFormatException($"{source}: hidden_act '{json.HiddenAct}' is not supported; only 'silu' (SwiGLU).");

        var llamaAttentionBias = json.AttentionBias ?? false;
        return new LlamaConfig
        {
            Architecture = architecture,
            ModelType = modelType,
            VocabSize = Positive(json.VocabSize, "vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = Positive(json.IntermediateSize, "intermediate_size"),
            NumHiddenLayers = Positive(json.NumHiddenLayers, "num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = json.MaxPositionEmbeddings ?? 2048,
            RmsNormEps = json.RmsNormEps ?? 1e-6,
            RopeTheta = json.RopeTheta ?? 10000,
            RopeScaling = RopeScalingFrom(json.RopeScaling, source),
            TieWordEmbeddings = json.TieWordEmbeddings ?? false,
            AttentionQkvBias = modelType == "qwen2" || llamaAttentionBias,
            AttentionOutputBias = modelType != "qwen2" && llamaAttentionBias,
            MlpBias = json.MlpBias ?? false,
            SlidingWindow = modelType == "mistral" || json.UseSlidingWindow == true ? json.SlidingWindow : null,
            BosTokenId = json.BosTokenId,
            EosTokenIds = json.EosTokenId ?? [],
            PadTokenId = json.PadTokenId,
            TorchDtype = json.TorchDtype ?? json.Dtype ?? "float32",
            NumLabels = json.Id2label?.Count ?? json.NumLabels ?? 2,
        };
    }

    private static Llama3RopeScaling? RopeScalingFrom(RopeScalingJson? scaling, string source)
    {
        var type = scaling?.RopeType ?? scaling?.Type;
        if (scaling is null || type == "default")
            return null;
        if (type != "llama3")
            throw new ModelFormatException($"{source}: rope_scaling type '{type}' is not supported; only 'llama3'.");
        T Field<T>(T? value, string name) where T : struct =>
            value ?? throw new ModelFormatException($"{source}: rope_scaling.{name} is required for llama3 scaling.");
        return new Llama3RopeScaling(Field(scaling.Factor, "factor"), Field(scaling.LowFreqFactor, "low_freq_factor"),
            Field(scaling.HighFreqFactor, "high_freq_factor"), Field(scaling.OriginalMaxPositionEmbeddings, "original_max_position_embeddings"));
    }

    private ConfigJson ToJson() => new()
    {
        Architectures = [Architecture],
        ModelType = ModelType,
        VocabSize = VocabSize,
        HiddenSize = HiddenSize,
        IntermediateSize = IntermediateSize,
        NumHiddenLayers = NumHiddenLayers,
        NumAttentionHeads = NumAttentionHeads,
        NumKeyValueHeads = NumKeyValueHeads,
        HeadDim = HeadDim,
        HiddenAct = "silu",
        MaxPositionEmbeddings = MaxPositionEmbeddings,
        RmsNormEps = RmsNormEps,
        RopeTheta = RopeTheta,
        RopeScaling = RopeScaling is { } s ? new RopeScalingJson
        {
            RopeType = "llama3", Factor = s.Factor, LowFreqFactor = s.LowFreqFactor, HighFreqFactor = s.HighFreqFactor,
            OriginalMaxPositionEmbeddings = s.OriginalMaxPositionEmbeddings,
        } : null,
        TieWordEmbeddings = TieWordEmbeddings,
        AttentionBias = ModelType == "llama" ? AttentionQkvBias : null,
        MlpBias = ModelType == "llama" ? MlpBias : null,
        SlidingWindow = SlidingWindow,
        UseSlidingWindow = SlidingWindow is not null && ModelType != "mistral" ? true : null, // Mistral's window needs no switch
        BosTokenId = BosTokenId,
        EosTokenId = EosTokenIds.Count > 0 ? [.. EosTokenIds] : null,
        PadTokenId = PadTokenId,
        TorchDtype = TorchDtype,
        Id2label = IsSequenceClassifier ? Enumerable.Range(0, NumLabels).ToDictionary(i => $"{i}", i => $"LABEL_{i}") : null,
        Label2id = IsSequenceClassifier ? Enumerable.Range(0, NumLabels).ToDictionary(i => $"LABEL_{i}", i => i) : null,
    };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(ToJson(), ConfigJson.Options));
}
