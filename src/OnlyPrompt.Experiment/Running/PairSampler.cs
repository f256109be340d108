using OnlyPrompt.Experiment.Filtering;
using OnlyPrompt.Experiment.World;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Generation;

namespace OnlyPrompt.Experiment.Running;

/// <summary>
/// The only-prompting labeller: for each prompt, a chosen answer asked for with the 10-out-of-10 prefix and a
/// rejected one asked for with the round's lower score. The prefix goes inside the user turn, before the instruction.
/// </summary>
public sealed class PairSampler(PretrainedModel model, PromptTemplates templates, int batchSize)
{
    public IReadOnlyList<SampledPair> Sample(IReadOnlyList<PromptRecord> prompts, int rejectedScore, SamplingOptions sampling, string idPrefix)
    {
        var options = sampling with { StopTokenIds = model.StopTokenIds };
        var chosen = Generate(prompts.Select(p => templates.ChosenInstruction(p.Prompt)).ToList(), options);
        var rejected = Generate(prompts.Select(p => templates.RejectedInstruction(p.Prompt, rejectedScore)).ToList(), options with { Seed = options.Seed + 1 });
        return prompts.Select((p, i) => new SampledPair($"{idPrefix}-{i}", p.Prompt, chosen[i].Text.Trim(), rejected[i].Text.Trim(),
            chosen[i].Finished, rejected[i].Finished, rejectedScore)).ToList();
    }

    private List<GeneratedText> Generate(IReadOnlyList<string> instructions, SamplingOptions options)
    {
        var generator = model.TextGenerator();
        var results = new List<GeneratedText>(instructions.Count);
        var chunk = 0;
        foreach (var batch in instructions.Chunk(batchSize))
            results.AddRange(generator.Generate(batch.Select(model.Template.RenderUser).ToList(), options with { Seed = options.Seed + 7919L * chunk++ }));
        return results;
    }
}
