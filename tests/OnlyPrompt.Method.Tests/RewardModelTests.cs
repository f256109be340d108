using OnlyPrompt.Model;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.TestSupport.Models;
using OnlyPrompt.Worlds;
using static TorchSharp.torch;

namespace OnlyPrompt.Method.Tests;

/// <summary>A tiny Hugging Face reward model (LlamaForSequenceClassification, one label) that the test writes, loaded like a downloaded one.</summary>
public sealed class RewardModelTests : IDisposable
{
    private readonly TempDirectory files = new();

    [Fact]
    public void Rewards_are_read_at_each_rows_last_real_token_whatever_the_batch_padding()
    {
        using var reward = RewardModel.Load(TinyRewardModels.Write(files.Path, numLabels: 1));
        (string, string)[] examples = [("Sort: 3 1 2", "1 2 3"), ("Max: 4 9 2", "9"), ("Reverse: a b c d e f", "f e d c b a")];

        var batched = reward.Score(examples, batchSize: 3);
        var alone = examples.Select(e => reward.Score([e], batchSize: 1)[0]).ToArray();

        Assert.Equal(alone, batched, (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.NotEqual(batched[0], reward.Score([("Sort: 3 1 2", "1 2 3 3")])[0]); // the response's last token moves the reward
        Assert.Equal(3, batched.Distinct().Count());
        // A conversation's earlier turns are rendered before the prompt, so they move the reward too.
        IReadOnlyList<ChatMessage> withSystem = [ChatMessage.System("Answer briefly."), ChatMessage.User("Sort: 3 1 2"),
            ChatMessage.Assistant("1 2 3")];
        Assert.NotEqual(batched[0], reward.Score([withSystem])[0]);
        Assert.Equal(batched[0], reward.Score([(IReadOnlyList<ChatMessage>)[ChatMessage.User("Sort: 3 1 2"), ChatMessage.Assistant("1 2 3")]])[0], 4);
    }

    [Fact]
    public void The_head_is_Hugging_Faces_score_layer_on_the_last_hidden_state()
    {
        var directory = TinyRewardModels.Write(files.Path, numLabels: 1);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(directory, LlamaCheckpoint.ConfigFile)))!;
        Assert.Equal("LlamaForSequenceClassification", (string?)config["architectures"]![0]);
        Assert.Equal("LABEL_0", (string?)config["id2label"]!["0"]);
        using var classifier = LlamaCheckpoint.LoadSequenceClassifier(directory);
        var parameters = classifier.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Contains("score.weight", parameters.Keys);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", parameters.Keys);
        Assert.Equal([1L, classifier.Config.HiddenSize], parameters["score.weight"].shape);

        // Zeroing the head gives zero reward; doubling it doubles the reward: the head is the last layer, bias-free.
        using var ids = tensor(new long[] { 5, 6, 7, 8 }, [1, 4]);
        var before = classifier.call(ids, null).item<float>();
        using (no_grad())
            parameters["score.weight"].mul_(2);
        Assert.Equal(2 * before, classifier.call(ids, null).item<float>(), 4);
    }

    [Fact]
    public void Checkpoints_of_the_wrong_kind_are_refused_with_a_reason()
    {
        var twoLabels = Assert.Throws<ModelFormatException>(() => RewardModel.Load(TinyRewardModels.Write(files.Path, numLabels: 2)));
        Assert.Contains("2 labels; a reward model has exactly one", twoLabels.Message);

        var languageModel = Path.Combine(files.Path, "lm");
        BaseModelWriter.Write(languageModel + "-config", new TinyModelOptions { Dim = 32, Layers = 1, Heads = 2, KvHeads = 1 }, ["Sort: 3 1 2"]);
        LlamaCheckpoint.SaveInitialised(languageModel + "-config", languageModel, seed: 1);
        var notClassifier = Assert.Throws<ModelFormatException>(() => RewardModel.Load(languageModel));
        Assert.Contains("has no sequence-classification head", notClassifier.Message);

        var notLanguageModel = Assert.Throws<ModelFormatException>(() => PretrainedModel.Load(TinyRewardModels.Write(files.Path, numLabels: 1)));
        Assert.Contains("is a sequence classifier", notLanguageModel.Message);
    }

    public void Dispose() => files.Dispose();
}
