using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnlyPrompt.Model.Configuration;

/// <summary>
/// A Hugging Face <c>config.json</c> as the file spells it, for System.Text.Json: the fields a Llama-family model uses,
/// each optional; <see cref="LlamaConfig"/> checks them and derives what the file leaves implicit.
/// </summary>
internal sealed record ConfigJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string[]? Architectures { get; init; }
    public string? ModelType { get; init; }
    public int? VocabSize { get; init; }
    public int? HiddenSize { get; init; }
    public int? IntermediateSize { get; init; }
    public int? NumHiddenLayers { get; init; }
    public int? NumAttentionHeads { get; init; }
    public int? NumKeyValueHeads { get; init; }
    public int? HeadDim { get; init; }
    public string? HiddenAct { get; init; }
    public int? MaxPositionEmbeddings { get; init; }
    public double? RmsNormEps { get; init; }
    public double? RopeTheta { get; init; }
    public RopeScalingJson? RopeScaling { get; init; }
    public bool? TieWordEmbeddings { get; init; }
    public bool? AttentionBias { get; init; }
    public bool? MlpBias { get; init; }
    public bool? UseSlidingWindow { get; init; }
    public int? SlidingWindow { get; init; }
    public int? BosTokenId { get; init; }
    [JsonConverter(typeof(OneOrManyConverter))]
    public int[]? EosTokenId { get; init; }
    public int? PadTokenId { get; init; }
    public string? TorchDtype { get; init; }
    /// <summary>transformers 4.56+ writes <c>dtype</c> where older versions wrote <c>torch_dtype</c>.</summary>
    public string? Dtype { get; init; }
    public Dictionary<string, string>? Id2label { get; init; }
    public Dictionary<string, int>? Label2id { get; init; }
    public int? NumLabels { get; init; }
}

internal sealed record RopeScalingJson
{
    public string? RopeType { get; init; }
    /// <summary>The older spelling of <see cref="RopeType"/>.</summary>
    public string? Type { get; init; }
    public double? Factor { get; init; }
    public double? LowFreqFactor { get; init; }
    public double? HighFreqFactor { get; init; }
    public int? OriginalMaxPositionEmbeddings { get; init; }
}

/// <summary><c>eos_token_id</c> is one id or a list of them; written back as one id when there is one.</summary>
internal sealed class OneOrManyConverter : JsonConverter<int[]>
{
    public override int[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.StartArray ? JsonSerializer.Deserialize<int[]>(ref reader) ?? [] : [reader.GetInt32()];

    public override void Write(Utf8JsonWriter writer, int[] value, JsonSerializerOptions options)
    {
        if (value.Length == 1)
            writer.WriteNumberValue(value[0]);
        else
            JsonSerializer.Serialize(writer, value);
    }
}
