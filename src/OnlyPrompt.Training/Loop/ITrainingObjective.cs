using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Loop;

/// <summary>One batch's loss (with gradient), metric sums over its examples, and the tokens it processed.</summary>
public sealed record BatchLoss(Tensor Loss, IReadOnlyDictionary<string, double> MetricSums, long Tokens);

/// <summary>What the training loop needs to know about one kind of training record.</summary>
public interface ITrainingObjective<T>
{
    string Id(T example);

    /// <summary>Rows the example adds to a padded batch (2 for a pair) and the length of its longest row.</summary>
    (int Rows, int Length) Shape(T example);

    /// <summary>Throws an ArgumentException naming the record and field when the example cannot be trained on.</summary>
    void Validate(T example, LlamaConfig config);

    BatchLoss Loss(LlamaForCausalLM policy, IReadOnlyList<T> batch);
}
