using OnlyPrompt.Model.Configuration;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.Settings;
using OnlyPrompt.Training.Data;
using OnlyPrompt.Training.Losses;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Loop;

/// <summary>
/// A DPO-family loss on preference pairs. Reference log-probs come from the pairs when cached, otherwise from
/// the live reference model (a constructor argument) run without gradients on the same batch.
/// </summary>
public sealed class PreferenceObjective : ITrainingObjective<PreferencePair>
{
    private readonly PreferenceLoss loss;
    private readonly LossSettings settings;
    private readonly LlamaForCausalLM? liveReference;

    public PreferenceObjective(PreferenceLoss loss, LossSettings settings, LlamaForCausalLM? liveReference = null)
    {
        settings.Validate();
        settings.CheckAppliesTo(loss);
        (this.loss, this.settings, this.liveReference) = (loss, settings, liveReference);
    }

    public string Id(PreferencePair pair) => pair.Id;

    public (int Rows, int Length) Shape(PreferencePair p)
    {
        var length = p.Prompt.Length + Math.Max(p.Chosen.Length, p.Rejected.Length);
        return ScoresNllContext(p) ? (3, Math.Max(length, p.NllPrompt!.Length + p.Chosen.Length)) : (2, length);
    }

    // The NLL context costs a third row only where the NLL term is on and the pair has its own NLL prompt.
    private bool ScoresNllContext(PreferencePair p) => settings.ChosenNllWeight > 0 && p.NllPrompt is not null;

    public void Validate(PreferencePair p, LlamaConfig config)
    {
        Records.Check(p.Id, config, (nameof(p.Prompt), p.Prompt), (nameof(p.Chosen), p.Chosen), (nameof(p.Rejected), p.Rejected));
        if (p.NllPrompt is not null)
            Records.Check(p.Id, config, (nameof(p.NllPrompt), p.NllPrompt), (nameof(p.Chosen), p.Chosen));
        if (loss.NeedsReference() && !p.HasReference && liveReference is null)
            throw new ArgumentException($"pair '{p.Id}': {loss} needs reference log-probs; cache them (ReferenceCache.Attach) or give a live " +
                "reference model.");
    }

    public BatchLoss Loss(LlamaForCausalLM policy, IReadOnlyList<PreferencePair> batch)
    {
        var (logProbs, tokens) = PairScoring.Score(policy, batch, batch.Any(ScoresNllContext));
        var output = PreferenceLosses.Compute(loss, settings, logProbs, loss.NeedsReference() ? Reference(batch, policy.Device) : null);
        return new BatchLoss(output.Loss, LossMetrics.Sums(output, logProbs), tokens);
    }

    private PairLogProbs Reference(IReadOnlyList<PreferencePair> batch, Device device)
    {
        if (batch.All(p => p.HasReference))
        {
            var lengths = batch.Select(p => (float)p.Chosen.Length).Concat(batch.Select(p => (float)p.Rejected.Length)).ToArray();
            return new PairLogProbs(
                tensor(batch.Select(p => p.ReferenceChosen!.Value).ToArray(), device: device),
                tensor(batch.Select(p => p.ReferenceRejected!.Value).ToArray(), device: device),
                tensor(lengths[..batch.Count], device: device), tensor(lengths[batch.Count..], device: device));
        }
        if (liveReference is null)
            throw new InvalidOperationException($"pair '{batch.First(p => !p.HasReference).Id}' has no cached reference log-probs and there is no " +
                "live reference model.");
        using var _ = no_grad();
        return PairScoring.Score(liveReference, batch).LogProbs;
    }
}
