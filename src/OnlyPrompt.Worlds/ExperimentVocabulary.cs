using OnlyPrompt.Method.Data;
namespace OnlyPrompt.Worlds;

public static class ExperimentVocabulary
{
    /// <summary>Every text the default experiment can show the model, so the tiny model's word vocabulary covers them all.</summary>
    public static IEnumerable<string> Texts(GeneratedWorld world, PromptTemplates templates) =>
        world.Sft.SelectMany(r => new[] { r.Prompt, r.Completion })
            .Concat(world.Preferences.SelectMany(r => new[] { r.Prompt, r.Chosen, r.Rejected }))
            .Concat(world.Judge.SelectMany(r => new[] { r.Prompt, r.Completion }))
            .Concat(world.RoundPrompts.Select(r => r.Prompt)).Concat(world.Eval.SelectMany(r => new[] { r.Prompt, r.Answer ?? "" }))
            .Append(templates.Chosen).Concat(Enumerable.Range(0, 11).Select(s => templates.RejectedInstruction("", s)));
}
