using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Lora;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Settings;
using OnlyPrompt.TestSupport.Models;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Tests;

public class CheckpointingTests
{
    private static Dictionary<string, float[]> Gradients(LlamaForCausalLM model, bool checkpointing)
    {
        model.GradientCheckpointing = checkpointing;
        model.zero_grad();
        PromptResponse[] examples = [new([2, 3, 4], [5, 6, 7]), new([8], [9, 10, 11, 12])];
        using var batch = ScoringBatch.Build(examples, model.Device);
        var (sum, _) = ResponseLogProbs.Compute(model, batch.InputIds, batch.ResponseMask);
        (sum * tensor(new[] { 1f, -0.5f })).sum().backward();
        return model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p =>
            p.parameter.grad!.data<float>().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // only the adapters have gradients, the frozen layers are recomputed all the same
    public void Recomputing_each_layer_in_the_backward_gives_the_same_gradients(bool lora)
    {
        using var model = TinyModels.Create();
        if (lora)
            LoraAdapters.Attach(model, new LoraSettings(4, 8, 0, LoraSettings.AllProjections), seed: 1);
        var plain = Gradients(model, checkpointing: false);
        var checkpointed = Gradients(model, checkpointing: true);

        Assert.Equal(plain.Keys.Order(), checkpointed.Keys.Order());
        Assert.Equal(lora ? 2 * 7 * model.Config.NumHiddenLayers : model.parameters().Count(), plain.Count);
        foreach (var (name, gradient) in plain)
            Assert.True(gradient.Zip(checkpointed[name]).All(p => Math.Abs(p.First - p.Second) <= 1e-6 + 1e-5 * Math.Abs(p.First)), name);
        Assert.Contains(plain.Values, g => g.Any(v => v != 0));
    }
}
