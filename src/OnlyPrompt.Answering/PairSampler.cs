using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Answering;

/// <summary>
/// The only-prompting labeller: for each prompt, a chosen answer asked for with the 10-out-of-10 prefix and a
/// rejected one asked for with the round's lower score. The prefix goes inside the last user turn, before the instruction;
/// the turns before it (a system message, earlier exchanges) are asked as they are and travel with the pair.
/// </summary>
public sealed class PairSampler(IAnswerer model, PromptTemplates templates, int batchSize)
{
    /// <param name="answered">Hears the answers written so far (chosen and rejected both count; 2 x prompts in all).</param>
    public IReadOnlyList<SampledPair> Sample(IReadOnlyList<PromptRecord> prompts, int rejectedScore, SamplingOptions sampling, string idPrefix,
        Action<int>? answered = null)
    {
        var options = sampling;
        var chosen = model.Answer([.. prompts.Select(p => new ChatPrompt(templates.ChosenInstruction(p.Prompt), p.Context))], options, batchSize,
            answered);
        var rejected = model.Answer([.. prompts.Select(p => new ChatPrompt(templates.RejectedInstruction(p.Prompt, rejectedScore), p.Context))],
            options with { Seed = options.Seed + 1 }, batchSize,
            done => answered?.Invoke(prompts.Count + done));
        return prompts.Select((p, i) => new SampledPair($"{idPrefix}-{i}", p.Prompt, chosen[i].Text.Trim(), rejected[i].Text.Trim(),
            chosen[i].Finished, rejected[i].Finished, rejectedScore, p.Context)).ToList();
    }
}
