using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.TestSupport.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Tests;

public class CheckpointTests
{
    private static void AssertSameWeights(LlamaForCausalLM expected, LlamaForCausalLM actual)
    {
        var actualParameters = actual.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in expected.named_parameters())
        {
            Assert.Equal(parameter.dtype, actualParameters[name].dtype);
            Assert.True(parameter.bytes.SequenceEqual(actualParameters[name].bytes), $"{name} differs");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void SaveThenLoadIsBitExact(ScalarType dtype)
    {
        using var dir = new TempDirectory();
        using var model = TinyModels.Create(TinyModels.Config("Qwen2ForCausalLM", tied: true));
        model.to(dtype);
        LlamaCheckpoint.Save(model, dir.File("ckpt"));
        using var loaded = LlamaCheckpoint.Load(dir.File("ckpt"));
        AssertSameWeights(model, loaded);
        Assert.Equal(DTypes.Name(dtype), JsonNode.Parse(File.ReadAllText(dir.File("ckpt/config.json")))!["torch_dtype"]!.GetValue<string>());
    }

    [Fact]
    public void WrittenFilesHaveHuggingFaceHeaderLayout()
    {
        using var dir = new TempDirectory();
        using var model = TinyModels.Create();
        LlamaCheckpoint.Save(model, dir.File("ckpt"));
        var bytes = File.ReadAllBytes(dir.File("ckpt/model.safetensors"));
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '))!;
        Assert.Equal("pt", header["__metadata__"]!["format"]!.GetValue<string>());
        Assert.Equal("F32", header["model.layers.1.mlp.down_proj.weight"]!["dtype"]!.GetValue<string>());
        Assert.Equal(new long[] { 64, 32 }, header["lm_head.weight"]!["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        Assert.Empty(Directory.GetDirectories(dir.Path, "*.partial-*"));
    }

    [Fact]
    public void ShardedCheckpointsRoundTrip()
    {
        using var dir = new TempDirectory();
        using var model = TinyModels.Create();
        LlamaCheckpoint.Save(model, dir.File("ckpt"), maxShardBytes: 40_000);
        Assert.True(File.Exists(dir.File("ckpt/model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(dir.File("ckpt"), "model-*-of-*.safetensors").Length > 1);
        using var loaded = LlamaCheckpoint.Load(dir.File("ckpt"));
        AssertSameWeights(model, loaded);
    }

    [Fact]
    public void SavingOverAnExistingCheckpointReplacesItWhole()
    {
        using var dir = new TempDirectory();
        using var first = TinyModels.Create(seed: 1);
        using var second = TinyModels.Create(seed: 2);
        LlamaCheckpoint.Save(first, dir.File("ckpt"), maxShardBytes: 40_000);
        LlamaCheckpoint.Save(second, dir.File("ckpt"));
        Assert.False(File.Exists(dir.File("ckpt/model.safetensors.index.json")), "stale shard index must not survive");
        using var loaded = LlamaCheckpoint.Load(dir.File("ckpt"));
        AssertSameWeights(second, loaded);
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
    }

    /// <summary>Writes a checkpoint the way transformers' save_pretrained lays it out, without our writer.</summary>
    private static void WriteHuggingFaceStyleCheckpoint(string directory, Func<string, long[], long[]>? reshape = null,
        string[]? skip = null, string dtype = "BF16")
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), """
            {
              "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 48, "hidden_size": 16,
              "intermediate_size": 24, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
              "max_position_embeddings": 64, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": false,
              "hidden_act": "silu", "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 2, "transformers_version": "4.46.0"
            }
            """);
        var tensors = new (string Name, long[] Shape)[]
        {
            ("model.embed_tokens.weight", [48, 16]), ("model.layers.0.input_layernorm.weight", [16]),
            ("model.layers.0.self_attn.q_proj.weight", [16, 16]), ("model.layers.0.self_attn.k_proj.weight", [8, 16]),
            ("model.layers.0.self_attn.v_proj.weight", [8, 16]), ("model.layers.0.self_attn.o_proj.weight", [16, 16]),
            ("model.layers.0.post_attention_layernorm.weight", [16]), ("model.layers.0.mlp.gate_proj.weight", [24, 16]),
            ("model.layers.0.mlp.up_proj.weight", [24, 16]), ("model.layers.0.mlp.down_proj.weight", [16, 24]),
            ("model.norm.weight", [16]), ("lm_head.weight", [48, 16]),
        };
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new List<byte>();
        var random = new Random(7);
        foreach (var (name, original) in tensors.Where(t => skip?.Contains(t.Name) != true))
        {
            var shape = reshape?.Invoke(name, original) ?? original;
            var count = shape.Aggregate(1L, (a, b) => a * b);
            header.Append($",\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{data.Count},{data.Count + count * 2}]}}");
            for (var i = 0; i < count; i++)
            {
                var value = BitConverter.SingleToUInt32Bits((float)(random.NextDouble() - 0.5) * 0.1f);
                var bf16 = (ushort)(value >> 16);
                data.Add((byte)bf16);
                data.Add((byte)(bf16 >> 8));
            }
        }
        header.Append('}');
        var json = Encoding.UTF8.GetBytes(header.ToString());
        var padded = (json.Length + 7) / 8 * 8;
        using var file = File.Create(Path.Combine(directory, "model.safetensors"));
        var prefix = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(prefix, padded);
        file.Write(prefix);
        file.Write(json);
        file.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
        file.Write(data.ToArray());
    }

    [Fact]
    public void LoadsACheckpointInExactHuggingFaceNaming()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path);
        using var model = LlamaCheckpoint.Load(dir.Path);
        Assert.Equal(ScalarType.BFloat16, model.DType);
        Assert.Equal(1, model.Config.NumHiddenLayers);
        Assert.Equal([2], model.Config.EosTokenIds);
        var raw = SafeTensors.Load(dir.File("model.safetensors"));
        var loaded = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.True(raw["model.layers.0.mlp.up_proj.weight"].bytes.SequenceEqual(loaded["model.layers.0.mlp.up_proj.weight"].bytes));
        using var _ = no_grad();
        Assert.Equal([1L, 3L, 48L], model.call(TinyModels.Ids([1, 5, 7]), null, null).shape);
    }

    [Fact]
    public void LoadConvertsDtypeOnRequest()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path);
        using var model = LlamaCheckpoint.Load(dir.Path, dtype: ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, model.DType);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path, skip: ["model.layers.0.self_attn.k_proj.weight"]);
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("missing: model.layers.0.self_attn.k_proj.weight", error.Message);
    }

    [Fact]
    public void AWrongShapeIsNamed()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path, reshape: (name, shape) => name == "model.norm.weight" ? [17] : shape);
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("'model.norm.weight' has shape [17], the config needs [16]", error.Message);
    }

    [Fact]
    public void ATruncatedFileIsReported()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path);
        var path = dir.File("model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("model.safetensors", error.Message);

        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path)).Message);
    }

    [Fact]
    public void AMislabelledDtypeIsReported()
    {
        using var dir = new TempDirectory();
        // Labelled F32 but holding two bytes per element: the offsets cannot match.
        WriteHuggingFaceStyleCheckpoint(dir.Path, dtype: "F32");
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("'model.embed_tokens.weight': F32 [48, 16] needs 3072 bytes", error.Message);
    }

    [Fact]
    public void AnUnknownArchitectureIsNamedWithTheSupportedOnes()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path);
        var config = dir.File("config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("LlamaForCausalLM", "GPTNeoXForCausalLM"));
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("'GPTNeoXForCausalLM' is not supported", error.Message);
        Assert.Contains("Qwen2ForCausalLM", error.Message);
    }

    [Fact]
    public void PickleCheckpointsAreRefused()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path);
        File.Move(dir.File("model.safetensors"), dir.File("pytorch_model.bin"));
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("pytorch_model.bin", error.Message);
        Assert.Contains("execute code", error.Message);
    }

    [Fact]
    public void InvalidConfigJsonNamesTheLine()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path);
        File.WriteAllText(dir.File("config.json"), "{\n  \"vocab_size\": 48,\n  \"hidden_size\": oops\n}");
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("config.json", error.Message);
        Assert.Contains("line 3", error.Message);
    }

    [Fact]
    public void EveryConfigFieldSurvivesSaveAndLoad()
    {
        using var dir = new TempDirectory();
        LlamaConfig[] configs =
        [
            new()
            {
                Architecture = "Qwen2ForCausalLM", ModelType = "qwen2", VocabSize = 48, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
                NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 4, AttentionQkvBias = true, SlidingWindow = 8, EosTokenIds = [2, 3],
                TieWordEmbeddings = true,
            },
            new()
            {
                VocabSize = 48, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 2, HeadDim = 8,
                RopeScaling = new Llama3RopeScaling(8, 1, 4, 64), AttentionQkvBias = true, AttentionOutputBias = true, MlpBias = true, BosTokenId = 1,
                EosTokenIds = [2], PadTokenId = 0, TorchDtype = "bfloat16", RmsNormEps = 1e-5, RopeTheta = 500000,
            },
            new() { Architecture = "MistralForSequenceClassification", ModelType = "mistral", VocabSize = 48, HiddenSize = 16, IntermediateSize = 24,
                NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 8, SlidingWindow = 32, NumLabels = 1 },
        ];
        foreach (var config in configs)
        {
            config.Save(dir.File("config.json"));
            var loaded = LlamaConfig.Load(dir.File("config.json"));
            Assert.Equal(config with { EosTokenIds = [] }, loaded with { EosTokenIds = [] });
            Assert.Equal(config.EosTokenIds, loaded.EosTokenIds);
        }
    }

    [Fact]
    public void AConfigFieldOfTheWrongTypeOrValueIsNamed()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceStyleCheckpoint(dir.Path);
        var config = dir.File("config.json");
        var text = File.ReadAllText(config);
        File.WriteAllText(config, text.Replace("\"hidden_size\": 16", "\"hidden_size\": \"sixteen\""));
        var error = Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path));
        Assert.Contains("at hidden_size", error.Message);
        Assert.Contains("line 2", error.Message);
        File.WriteAllText(config, text.Replace("\"num_hidden_layers\": 1", "\"num_hidden_layers\": 0"));
        Assert.Contains("field 'num_hidden_layers' must be a positive integer", Assert.Throws<ModelFormatException>(() =>
            LlamaCheckpoint.Load(dir.Path)).Message);
        File.WriteAllText(config, text.Replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\""));
        Assert.Contains("hidden_act 'gelu' is not supported", Assert.Throws<ModelFormatException>(() => LlamaCheckpoint.Load(dir.Path)).Message);
    }
}
