using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Tokenization;
using static TorchSharp.torch;

namespace OnlyPrompt.Model;

/// <summary>Everything in one Hugging Face model directory: weights, tokenizer and chat template.</summary>
public sealed class PretrainedModel : IDisposable
{
    private PretrainedModel(string directory, LlamaForCausalLM model, HfTokenizer tokenizer, ChatTemplate template)
    {
        Directory = directory;
        Model = model;
        Tokenizer = tokenizer;
        Template = template;
    }

    public string Directory { get; }
    public LlamaForCausalLM Model { get; }
    public HfTokenizer Tokenizer { get; }
    public ChatTemplate Template { get; }

    /// <summary>EOS ids from config.json plus the template's end-of-turn token, which end generation.</summary>
    public IReadOnlyList<int> StopTokenIds =>
        Model.Config.EosTokenIds.Concat(Tokenizer.TokenToId(Template.EndOfTurn) is { } endOfTurn ? [endOfTurn] : Array.Empty<int>())
            .Distinct().ToArray();

    public static PretrainedModel Load(string directory, Device? device = null, ScalarType? dtype = null)
    {
        var tokenizer = HfTokenizer.Load(Path.Combine(directory, "tokenizer.json"));
        var chat = ChatTemplate.Load(directory, tokenizer.AddedTokens.Select(t => t.Content));
        var model = LlamaCheckpoint.Load(directory, device, dtype);
        if (tokenizer.VocabularySize > model.Config.VocabSize)
            throw new ModelFormatException($"{directory}: tokenizer.json has {tokenizer.VocabularySize} tokens but config.json's vocab_size is " +
                $"{model.Config.VocabSize}.");
        return new PretrainedModel(directory, model, tokenizer, chat);
    }

    public TextGenerator TextGenerator() => new(Model, Tokenizer);

    /// <summary>Saves the weights with this model's tokenizer files beside them.</summary>
    public void Save(string directory) => LlamaCheckpoint.Save(Model, directory, companionSource: Directory);

    public void Dispose() => Model.Dispose();
}
