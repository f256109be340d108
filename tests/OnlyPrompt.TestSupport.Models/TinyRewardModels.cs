using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Worlds;
using static TorchSharp.torch;

namespace OnlyPrompt.TestSupport.Models;

/// <summary>Tiny Hugging Face reward models (LlamaForSequenceClassification) that tests write and load like downloaded ones.</summary>
public static class TinyRewardModels
{
    /// <summary>The default experiment's tokenizer and chat template with a randomly initialised Llama reward model.</summary>
    /// <param name="constant">Zero the score head, so every answer gets reward 0 (a scorer that cannot tell answers apart).</param>
    public static string Write(string root, int numLabels = 1, bool constant = false)
    {
        var directory = Path.Combine(root, $"rm-{numLabels}-{Guid.NewGuid():N}");
        var tokenizerSource = Path.Combine(root, "tokenizer-source");
        if (!Directory.Exists(tokenizerSource))
        {
            var options = ExperimentOptions.Preset("smoke", 1);
            var world = new WorldGenerator(options.World).Generate();
            BaseModelWriter.Write(tokenizerSource, new TinyModelOptions { Dim = 32, Layers = 1, Heads = 2, KvHeads = 1 },
                ExperimentVocabulary.Texts(world, options.Templates));
        }
        var config = LlamaConfig.Load(Path.Combine(tokenizerSource, LlamaCheckpoint.ConfigFile)) with
        {
            Architecture = "LlamaForSequenceClassification", NumLabels = numLabels, PadTokenId = 0,
        };
        using var model = new LlamaForSequenceClassification(config);
        using (no_grad())
        {
            var generator = new Generator(7);
            foreach (var (name, parameter) in model.named_parameters())
                if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                    parameter.fill_(1);
                else if (constant && name.StartsWith("score.", StringComparison.Ordinal))
                    parameter.zero_();
                else
                    parameter.normal_(0, 0.5, generator);
        }
        LlamaCheckpoint.Save(model, directory, companionSource: tokenizerSource);
        return directory;
    }
}
