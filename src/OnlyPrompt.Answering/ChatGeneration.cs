using OnlyPrompt.Model;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Settings;

namespace OnlyPrompt.Answering;

public static class ChatGeneration
{
    /// <summary>
    /// Answers each prompt through the model's chat template (its earlier turns, then the instruction as a user turn),
    /// in batches of <paramref name="batchSize"/>; batch k samples with seed Seed + 7919 k, so results do not depend on
    /// how many batches came before in another call. <paramref name="answered"/> hears the number of answers done after
    /// each batch.
    /// </summary>
    public static List<GeneratedText> Answer(this PretrainedModel model, IReadOnlyList<ChatPrompt> prompts, SamplingOptions options, int batchSize,
        Action<int>? answered = null)
    {
        var generator = model.TextGenerator();
        var results = new List<GeneratedText>(prompts.Count);
        var chunk = 0;
        foreach (var batch in prompts.Chunk(batchSize))
        {
            var rendered = batch.Select(p => model.Template.Render(p.Messages())).ToList();
            results.AddRange(generator.Generate(rendered, options with { Seed = options.Seed + 7919L * chunk++ }));
            answered?.Invoke(results.Count);
        }
        return results;
    }
}
