using OnlyPrompt.Model.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>
/// A Llama-family body with Hugging Face's sequence-classification head (<c>score.weight</c>, no bias), read at each
/// row's last real token: with one label, a reward model.
/// </summary>
public sealed class LlamaForSequenceClassification : nn.Module<Tensor, Tensor?, Tensor>, ILlamaModule
{
    private readonly LlamaModel model;
    private readonly Linear score;

    public LlamaForSequenceClassification(LlamaConfig config) : base(nameof(LlamaForSequenceClassification))
    {
        Config = config;
        model = new LlamaModel(config);
        score = nn.Linear(config.HiddenSize, config.NumLabels, hasBias: false);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    public ScalarType DType => model.EmbeddingWeight.dtype;

    public Device Device => model.EmbeddingWeight.device;

    /// <returns>[B, labels]: the head's output at the last real token of each row.</returns>
    /// <param name="inputIds">[B, T] int64 token ids, right-padded.</param>
    /// <param name="keyMask">[B, T] boolean, true for real tokens; null when no row is padded.</param>
    public override Tensor forward(Tensor inputIds, Tensor? keyMask)
    {
        using var scope = NewDisposeScope();
        var logits = score.call(model.call(inputIds, keyMask, null));             // [B, T, labels]
        var last = keyMask is null
            ? full(inputIds.shape[0], inputIds.shape[1] - 1, ScalarType.Int64, Device)
            : keyMask.to(ScalarType.Int64).sum(1) - 1;                                           // [B]
        var index = last.view(-1, 1, 1).expand(-1, 1, Config.NumLabels);
        return logits.gather(1, index).squeeze(1).MoveToOuterDisposeScope();
    }
}
