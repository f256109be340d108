using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Model.Scoring;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Losses;

namespace OnlyPrompt.Training.Loop;

/// <summary>Supervised fine-tuning on (instruction, response) examples.</summary>
public sealed class SftObjective : ITrainingObjective<SftExample>
{
    public string Id(SftExample example) => example.Id;

    public (int Rows, int Length) Shape(SftExample example) => (1, example.Prompt.Length + example.Response.Length);

    public void Validate(SftExample e, LlamaConfig config) =>
        Records.Check(e.Id, config, (nameof(e.Prompt), e.Prompt), (nameof(e.Response), e.Response));

    public BatchLoss Loss(LlamaForCausalLM policy, IReadOnlyList<SftExample> batch)
    {
        using var scoring = ScoringBatch.Build(batch.Select(e => new PromptResponse(e.Prompt, e.Response)).ToList(), policy.Device);
        var (sum, count) = ResponseLogProbs.Compute(policy, scoring.InputIds, scoring.ResponseMask);
        var loss = PreferenceLosses.Sft(sum, count);
        var metrics = new Dictionary<string, double>
        {
            [LossMetrics.Loss] = loss.detach().item<float>() * batch.Count,
            [LossMetrics.LogpsChosen] = sum.detach().sum().item<float>(),
        };
        return new BatchLoss(loss, metrics, batch.Sum(e => (long)e.Prompt.Length + e.Response.Length));
    }
}
