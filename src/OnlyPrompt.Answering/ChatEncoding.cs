using OnlyPrompt.Model;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.Training.Data;

namespace OnlyPrompt.Answering;

/// <summary>
/// Turns text records into token records the way the model sees them: the instruction as a user turn after the
/// turns before it (a record's context, if any), the answer closed by the end-of-turn token.
/// </summary>
public sealed class ChatEncoding(PretrainedModel model)
{
    public int[] Prompt(string instruction, IReadOnlyList<ChatMessage>? context = null) =>
        model.Tokenizer.Encode(model.Template.Render([.. context ?? [], ChatMessage.User(instruction)]), addSpecialTokens: false);

    public int[] Response(string answer) => model.Tokenizer.Encode(answer + model.Template.EndOfTurn, addSpecialTokens: false);

    public SftExample Sft(string id, string prompt, string completion, IReadOnlyList<ChatMessage>? context = null) =>
        new(id, Prompt(prompt, context), Response(completion));

    public PreferencePair Pair(string id, string prompt, string chosen, string rejected, IReadOnlyList<ChatMessage>? context = null) =>
        new(id, Prompt(prompt, context), Response(chosen), Response(rejected));
}
