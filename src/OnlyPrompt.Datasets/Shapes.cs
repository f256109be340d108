using OnlyPrompt.Method.Data;

namespace OnlyPrompt.Datasets;

/// <summary>
/// The layouts of the field (TRL's dataset formats, Hugging Face's chat datasets, AlpacaEval and MT-Bench files),
/// told apart by a file's columns and, where a column may be text or a conversation, by its first row.
/// </summary>
public static class Shapes
{
    public static Shape<SftExample> Sft(IReadOnlyCollection<string> columns, Cells first, ColumnMap map)
    {
        if (Has(columns, map, "messages"))
            return new("conversational (messages)", [map["messages"]], cells =>
            {
                var (prompt, context, answer) = Turns.SplitAnswer(cells, "messages", cells.Conversation("messages"));
                return new SftExample(prompt, answer, context);
            });
        Require(columns, map, first, "SFT", "messages, or prompt and completion", "prompt", "completion");
        var conversational = first.IsConversation("prompt") || first.IsConversation("completion");
        return new(conversational ? "prompt/completion conversations" : "prompt/completion strings", [map["prompt"], map["completion"]], cells =>
        {
            Same(cells, conversational, "prompt", "completion");
            var (prompt, context) = Turns.Prompt(cells, "prompt");
            var completion = conversational ? Turns.SingleAnswer(cells, "completion") : cells.NonEmptyText("completion");
            return new SftExample(prompt, completion, context);
        });
    }

    public static Shape<PreferenceExample> Preferences(IReadOnlyCollection<string> columns, Cells first, ColumnMap map)
    {
        Require(columns, map, first, "preference", "chosen and rejected (and usually prompt)", "chosen", "rejected");
        var scored = Has(columns, map, "score_chosen") || Has(columns, map, "score_rejected");
        string[] read = [.. new[] { "prompt", "chosen", "rejected", "score_chosen", "score_rejected" }.Where(c =>
            Has(columns, map, c)).Select(c => map[c])];
        var scores = scored ? ", with scores" : "";
        // Whole conversations in chosen and rejected: the prompt is what they share before their answers (ultrafeedback_binarized).
        if (first.IsConversation("chosen") && first.Conversation("chosen") is [{ Role: not "assistant" }, ..])
            return new("conversational with implicit prompt" + scores, read, cells =>
            {
                Same(cells, true, "chosen", "rejected");
                var chosen = Turns.SplitAnswer(cells, "chosen", cells.Conversation("chosen"));
                var rejected = Turns.SplitAnswer(cells, "rejected", cells.Conversation("rejected"));
                if (chosen.Prompt != rejected.Prompt || !SameTurns(chosen.Context, rejected.Context))
                    throw cells.Error("rejected", "differs from chosen before the answer; both must continue the same conversation.");
                return new PreferenceExample(chosen.Prompt, chosen.Answer, rejected.Answer, chosen.Context,
                    cells.OptionalScore("score_chosen"), cells.OptionalScore("score_rejected"));
            });
        Require(columns, map, first, "preference", "prompt, chosen and rejected", "prompt");
        var conversational = first.IsConversation("chosen");
        return new((conversational ? "conversational with explicit prompt" : "prompt/chosen/rejected strings") + scores, read, cells =>
        {
            Same(cells, conversational, "chosen", "rejected");
            var (prompt, context) = Turns.Prompt(cells, "prompt");
            string Answer(string column) => conversational ? Turns.SingleAnswer(cells, column) : cells.NonEmptyText(column);
            return new PreferenceExample(prompt, Answer("chosen"), Answer("rejected"), context,
                cells.OptionalScore("score_chosen"), cells.OptionalScore("score_rejected"));
        });
    }

    public static Shape<RoundPrompt> Prompts(IReadOnlyCollection<string> columns, Cells first, ColumnMap map)
    {
        if (Has(columns, map, "prompt"))
            return new(first.IsConversation("prompt") ? "prompt conversations" : "prompt strings", [map["prompt"]], cells =>
            {
                var (prompt, context) = Turns.Prompt(cells, "prompt");
                return new RoundPrompt(prompt, context);
            });
        if (Has(columns, map, "messages"))
            return new("conversational (messages; the prefixes go into the last user turn)", [map["messages"]], cells =>
            {
                var (prompt, context) = Turns.SplitLastUserTurn(cells, "messages", cells.Conversation("messages"));
                return new RoundPrompt(prompt, context);
            });
        Require(columns, map, first, "prompt", "prompt, messages or instruction", "instruction");
        return new("instructions", [map["instruction"]], cells => new RoundPrompt(cells.NonEmptyText("instruction")));
    }

    public static Shape<EvalExample> Eval(IReadOnlyCollection<string> columns, Cells first, ColumnMap map)
    {
        string[] Present(params string[] names) => [.. names.Where(c => Has(columns, map, c)).Select(c => map[c])];
        if (Has(columns, map, "turns"))
            return new("MT-Bench questions (first turn)", Present("turns", "question_id", "category"), cells =>
            {
                var turns = cells.TextList("turns");
                if (turns.Count == 0 || turns[0].Trim().Length == 0)
                    throw cells.Error("turns", "has no first turn.");
                return new EvalExample(turns[0], Family: cells.OptionalText("category"), Id: cells.OptionalScalar("question_id"));
            });
        if (Has(columns, map, "instruction"))
            return new(Has(columns, map, "output") ? "AlpacaEval (instruction, reference output)" : "AlpacaEval (instruction)",
                Present("instruction", "output", "dataset", "generator"), cells => new EvalExample(cells.NonEmptyText("instruction"),
                    Reference: cells.OptionalText("output"), Family: cells.OptionalText("dataset")));
        Require(columns, map, first, "evaluation", "prompt (with answer for exact scoring), instruction (AlpacaEval) or turns (MT-Bench)", "prompt");
        var answered = Has(columns, map, "answer");
        return new(answered ? "prompt with reference answer" : "prompt without reference answer",
            Present("prompt", "answer", "family", "id"), cells =>
        {
            var (prompt, context) = Turns.Prompt(cells, "prompt");
            RequireSingleTurn(cells, "prompt", context);
            return new EvalExample(prompt, answered ? cells.Text("answer") : null, Family: cells.OptionalText("family"),
                Id: cells.OptionalScalar("id"));
        });
    }

    // The Evaluator answers one user turn; the rounds' prompts and training data may carry earlier turns.
    private static void RequireSingleTurn(Cells cells, string column, IReadOnlyList<Message>? context)
    {
        if (context is not null)
            throw cells.Error(column, "has turns before the last user message (a system message or earlier exchanges); the evaluation "
                + "takes single-turn prompts for now, so give the last user message alone.");
    }

    private static bool Has(IReadOnlyCollection<string> columns, ColumnMap map, string canonical) => columns.Contains(map[canonical]);

    private static void Require(IReadOnlyCollection<string> columns, ColumnMap map, Cells first, string kind, string expected,
        params string[] canonical)
    {
        foreach (var column in canonical)
            if (!Has(columns, map, column))
                throw first.Error(column, $"is missing: a {kind} file needs {expected}; it has {string.Join(", ", columns)}.");
    }

    // Every row has the first row's layout: a file with text prompts in some rows and conversations in others is refused.
    private static void Same(Cells cells, bool conversational, params string[] columns)
    {
        foreach (var column in columns)
            if (cells.Has(column) && cells.IsConversation(column) != conversational)
                throw cells.Error(column, $"is {(conversational ? "text" : "a conversation")} but the file's first row has " +
                    $"{(conversational ? "conversations" : "text")}; a file holds one shape.");
    }

    private static bool SameTurns(IReadOnlyList<Message>? a, IReadOnlyList<Message>? b) => (a ?? []).SequenceEqual(b ?? []);
}
