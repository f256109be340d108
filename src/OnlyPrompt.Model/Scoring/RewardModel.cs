using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Tokenization;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Scoring;

/// <summary>
/// A Hugging Face reward model: a <c>*ForSequenceClassification</c> checkpoint with one label, scoring a
/// (prompt, response) conversation rendered with its own chat template, read at the last token.
/// </summary>
public sealed class RewardModel : IDisposable
{
    private readonly LlamaForSequenceClassification model;
    private readonly HfTokenizer tokenizer;
    private readonly ChatTemplate template;

    private RewardModel(LlamaForSequenceClassification model, HfTokenizer tokenizer, ChatTemplate template)
    {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
    }

    public static RewardModel Load(string directory, Device? device = null)
    {
        var model = LlamaCheckpoint.LoadSequenceClassifier(directory, device);
        if (model.Config.NumLabels != 1)
        {
            model.Dispose();
            throw new ModelFormatException($"{Path.Combine(directory, LlamaCheckpoint.ConfigFile)}: the score head has {model.Config.NumLabels} " +
                "labels; a reward model has exactly one (id2label with one entry).");
        }
        model.eval();
        var tokenizer = HfTokenizer.Load(Path.Combine(directory, "tokenizer.json"));
        var template = ChatTemplate.Load(directory, tokenizer.AddedTokens.Select(t => t.Content));
        return new RewardModel(model, tokenizer, template);
    }

    /// <summary>The reward of each response to its prompt, asked as a single user turn.</summary>
    public float[] Score(IReadOnlyList<(string Prompt, string Response)> examples, int batchSize = 16) =>
        Score([.. examples.Select(e => (IReadOnlyList<ChatMessage>)[ChatMessage.User(e.Prompt), ChatMessage.Assistant(e.Response)])], batchSize);

    /// <summary>The reward of each conversation's last turn, the response. A conversation longer than the context keeps its last tokens.</summary>
    public float[] Score(IReadOnlyList<IReadOnlyList<ChatMessage>> conversations, int batchSize = 16)
    {
        using var _ = no_grad();
        var context = model.Config.MaxSequenceLength;
        var encoded = conversations.Select(c =>
        {
            var ids = tokenizer.Encode(template.Render(c, addGenerationPrompt: false), addSpecialTokens: false);
            return ids.Length > context ? ids[^context..] : ids;
        }).ToArray();
        var scores = new float[conversations.Count];
        for (var start = 0; start < encoded.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var rows = encoded.Skip(start).Take(batchSize).ToArray();
            var (ids, mask) = RightPad(rows, model.Config.PadTokenId ?? 0, model.Device);
            var rewards = model.call(ids, mask).squeeze(1).to(ScalarType.Float32).cpu().data<float>().ToArray();
            Array.Copy(rewards, 0, scores, start, rewards.Length);
        }
        return scores;
    }

    private static (Tensor Ids, Tensor Mask) RightPad(int[][] rows, int padId, Device device)
    {
        var length = rows.Max(r => r.Length);
        var ids = new long[rows.Length * length];
        var mask = new bool[rows.Length * length];
        for (var row = 0; row < rows.Length; row++)
            for (var t = 0; t < length; t++)
            {
                ids[row * length + t] = t < rows[row].Length ? rows[row][t] : padId;
                mask[row * length + t] = t < rows[row].Length;
            }
        return (tensor(ids, [rows.Length, length], device: device), tensor(mask, [rows.Length, length], device: device));
    }

    public void Dispose() => model.Dispose();
}
