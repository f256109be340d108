using System.Text.Json.Nodes;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Lora;
using OnlyPrompt.Settings;
using OnlyPrompt.TestSupport.Models;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Tests;

public class LoraTests
{
    private static readonly LoraSettings Rank4 = new(4, 8, 0, LoraSettings.AllProjections);

    private static List<SftExample> Examples() => Enumerable.Range(0, 8)
        .Select(i => new SftExample($"e{i}", [2 + i, 3 + i, 4 + i], [10 + i, 20 + i, 30 + i])).ToList();

    private static float[] Logits(LlamaForCausalLM model)
    {
        using var _ = no_grad();
        return model.call(TinyModels.Ids([2, 3, 4, 5, 6], [7, 8, 9, 10, 11]), null, null).data<float>().ToArray();
    }

    [Fact]
    public void An_adapter_starts_as_the_identity_trains_alone_and_merges_into_the_same_model()
    {
        using var model = TinyModels.Create();
        var before = Logits(model);
        var baseWeights = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        Assert.Equal(7 * model.Config.NumHiddenLayers, LoraAdapters.Attach(model, Rank4, seed: 3));
        Assert.Equal(before, Logits(model)); // B starts at zero
        Assert.All(model.named_parameters(), p => Assert.Equal(p.name.Contains(".lora_"), p.parameter.requires_grad));
        new Trainer<SftExample>(model, new SftObjective(),
            new TrainingOptions { LearningRate = 1e-2, Epochs = 4, TokensPerBatch = 24 }).Train(Examples());

        foreach (var (name, weight) in baseWeights)
            Assert.True(weight.allclose(model.named_parameters().Single(p => p.name == name).parameter, rtol: 0, atol: 0),
                $"{name} is frozen and must not change");
        var adapted = Logits(model);
        Assert.NotEqual(before, adapted);
        LoraAdapters.Merge(model);
        Assert.Equal(baseWeights.Keys.Order(), model.named_parameters().Select(p => p.name).Order()); // a plain checkpoint's names again
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
        var merged = Logits(model);
        Assert.All(adapted.Zip(merged), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-4, $"{p.First} vs {p.Second}"));
    }

    [Fact]
    public void A_saved_adapter_has_PEFTs_files_names_and_shapes_and_loads_back_onto_the_base()
    {
        using var model = TinyModels.Create();
        var config = model.Config;
        LoraAdapters.Attach(model, Rank4 with { TargetModules = ["q_proj", "v_proj", "down_proj"] }, seed: 3);
        new Trainer<SftExample>(model, new SftObjective(),
            new TrainingOptions { LearningRate = 1e-2, Epochs = 2, TokensPerBatch = 24 }).Train(Examples());
        using var directory = new TempDirectory();
        LoraAdapters.Save(model, Rank4 with { TargetModules = ["q_proj", "v_proj", "down_proj"] }, directory.Path, "tiny-base");

        Assert.Equal([LoraAdapters.ConfigFile, LoraAdapters.WeightsFile], Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
        var saved = JsonNode.Parse(File.ReadAllText(directory.File("adapter_config.json")))!;
        Assert.Equal(("LORA", "CAUSAL_LM", 4, 8.0, "tiny-base", "none"), ((string)saved["peft_type"]!, (string)saved["task_type"]!, (int)saved["r"]!,
            (double)saved["lora_alpha"]!, (string)saved["base_model_name_or_path"]!, (string)saved["bias"]!));
        Assert.Equal(["q_proj", "v_proj", "down_proj"], saved["target_modules"]!.AsArray().Select(m => (string)m!));
        // PEFT's names: base_model.model. + the base model's module path + .lora_A.weight / .lora_B.weight; A is [r, in], B [out, r].
        var expected = new Dictionary<string, long[]>();
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
            foreach (var (module, input, output) in new[]
                     {
                         ("self_attn.q_proj", config.HiddenSize, config.NumAttentionHeads * config.HeadDim),
                         ("self_attn.v_proj", config.HiddenSize, config.NumKeyValueHeads * config.HeadDim),
                         ("mlp.down_proj", config.IntermediateSize, config.HiddenSize),
                     })
            {
                expected[$"base_model.model.model.layers.{layer}.{module}.lora_A.weight"] = [4, input];
                expected[$"base_model.model.model.layers.{layer}.{module}.lora_B.weight"] = [output, 4];
            }
        var header = SafeTensors.ReadHeader(directory.File("adapter_model.safetensors"));
        Assert.Equal(expected.Keys.Order(), header.Keys.Order());
        foreach (var (name, shape) in expected)
            Assert.Equal(shape, header[name].Shape);

        using var reloaded = TinyModels.Create();
        var settings = LoraAdapters.Load(reloaded, directory.Path);
        Assert.Equal(4, settings.Rank);
        Assert.Equal(Logits(model), Logits(reloaded));
    }

    [Fact]
    public void Under_mixed_precision_a_base_held_in_bf16_trains_the_adapter_an_fp32_one_does_and_keeps_it_fp32()
    {
        // The fp32 model is cast to bf16 at the Trainer's start; the bf16 one was loaded so (MasterWeights.BaseDType).
        using var fp32 = TinyModels.Create();
        using var bf16 = TinyModels.Create();
        bf16.to(ScalarType.BFloat16);
        var options = new TrainingOptions { LearningRate = 1e-2, Epochs = 2, TokensPerBatch = 24, MixedPrecision = true };
        foreach (var model in new[] { fp32, bf16 })
        {
            LoraAdapters.Attach(model, Rank4, seed: 3);
            new Trainer<SftExample>(model, new SftObjective(), options).Train(Examples());
        }

        static Dictionary<string, Tensor> Parameters(LlamaForCausalLM model) =>
            model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var (fromFp32, fromBf16) = (Parameters(fp32), Parameters(bf16));
        Assert.All(fromBf16, p => Assert.Equal(p.Key.Contains(".lora_") ? ScalarType.Float32 : ScalarType.BFloat16, p.Value.dtype));
        Assert.All(fromFp32.Where(p => p.Key.Contains(".lora_")), p => Assert.True(p.Value.equal(fromBf16[p.Key]).all().item<bool>(),
            $"{p.Key} trained differently on a bf16 base"));
        Assert.NotEqual(0, fromBf16.Where(p => p.Key.Contains(".lora_B")).Sum(p => p.Value.abs().sum().item<float>()));
        // Its frozen base as it computed: the fp32 model's, rounded to bf16 then.
        Assert.All(fromFp32.Where(p => !p.Key.Contains(".lora_")),
            p => Assert.True(p.Value.to(ScalarType.BFloat16).equal(fromBf16[p.Key]).all().item<bool>(), p.Key));
        using var _ = no_grad();
        using var ids = TinyModels.Ids([2, 3, 4, 5, 6]);
        Assert.Equal(ScalarType.BFloat16, bf16.call(ids, null, null).dtype); // the fp32 adapters compute beside the bf16 base
    }

    [Fact]
    public void Mixed_precision_refuses_a_trainable_parameter_that_is_not_fp32_naming_it()
    {
        using var model = TinyModels.Create();
        model.to(ScalarType.BFloat16);
        Assert.Contains("trainable model.embed_tokens.weight is BFloat16",
            Assert.Throws<ArgumentException>(() => new MasterWeights(model)).Message);
    }

    [Fact]
    public void Bad_settings_are_refused_naming_the_field()
    {
        using var model = TinyModels.Create();
        Assert.Contains("Rank is 0",
            Assert.Throws<ArgumentOutOfRangeException>(() => LoraAdapters.Attach(model, Rank4 with { Rank = 0 }, 1)).Message);
        Assert.Contains("lm_head", Assert.Throws<ArgumentException>(() =>
            LoraAdapters.Attach(model, Rank4 with { TargetModules = ["lm_head"] }, 1)).Message);
    }
}
