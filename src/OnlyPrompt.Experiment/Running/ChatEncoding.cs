using OnlyPrompt.Model;
using OnlyPrompt.Training.Data;

namespace OnlyPrompt.Experiment.Running;

/// <summary>Turns text records into token records the way the model sees them: the instruction as a user turn, the answer closed by the end-of-turn token.</summary>
public sealed class ChatEncoding(PretrainedModel model)
{
    public int[] Prompt(string instruction) => model.Tokenizer.Encode(model.Template.RenderUser(instruction), addSpecialTokens: false);

    public int[] Response(string answer) => model.Tokenizer.Encode(answer + model.Template.EndOfTurn, addSpecialTokens: false);

    public SftExample Sft(string id, string prompt, string completion) => new(id, Prompt(prompt), Response(completion));

    public PreferencePair Pair(string id, string prompt, string chosen, string rejected) => new(id, Prompt(prompt), Response(chosen), Response(rejected));
}
