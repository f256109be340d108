using System.Text.Json;
using OnlyPrompt.Method.Data;

namespace OnlyPrompt.Datasets.Tests;

/// <summary>Each of the field's layouts, in JSON Lines and in Parquet from an independent writer, becomes the canonical records.</summary>
public class ShapeTests
{
    private static object[] Conversation(params (string Role, string Content)[] turns) =>
        turns.Select(t => (object)new Dictionary<string, string> { ["role"] = t.Role, ["content"] = t.Content }).ToArray();

    private static string JsonLines(TempDirectory dir, string name, params object[] rows)
    {
        File.WriteAllLines(dir.File(name), rows.Select(r => JsonSerializer.Serialize(r)));
        return dir.File(name);
    }

    private static (ImportReport Report, List<T> Records) Import<T>(string path, DatasetKind kind, ColumnMap? columns = null)
    {
        var output = path + ".canonical.jsonl";
        var report = DatasetImport.Import(path, kind, output, columns);
        return (report, File.ReadLines(output).Select(l => JsonSerializer.Deserialize<T>(l, DatasetImport.Canonical)!).ToList());
    }

    [Fact]
    public void SftFromPromptCompletionStringsAndFromConversations()
    {
        using var dir = new TempDirectory();
        var (report, records) = Import<SftExample>(JsonLines(dir, "sft.jsonl",
            new { prompt = "Sort 3 1 2", completion = "1 2 3" }, new { prompt = "Hi", completion = "Hello" }), DatasetKind.Sft);
        Assert.Equal("2 SFT rows, prompt/completion strings, from sft.jsonl", report.ToString());
        Assert.Equal(new SftExample("Sort 3 1 2", "1 2 3"), records[0]);

        var parquet = IndependentParquet.Write(dir.File("train_sft.parquet"), new Dictionary<string,
            string> { ["messages"] = "messages", ["prompt_id"] = "string" },
        [
            new { messages = Conversation(("system", "Be terse."), ("user", "a"), ("assistant", "b"), ("user", "c"),
                ("assistant", "d")), prompt_id = "x" },
            new { messages = Conversation(("user", "e"), ("assistant", "f")), prompt_id = "y" },
            new { messages = Conversation(("user", "g"), ("assistant", "h")), prompt_id = "z" },
        ]);
        (report, records) = Import<SftExample>(parquet, DatasetKind.Sft);
        Assert.Equal("3 SFT rows, conversational (messages), from train_sft.parquet", report.ToString());
        Assert.Equal("c", records[0].Prompt);
        Assert.Equal("d", records[0].Completion);
        Assert.Equal([new Message("system", "Be terse."), new Message("user", "a"), new Message("assistant", "b")], records[0].Context!);
        Assert.Equal(new SftExample("g", "h"), records[2]);

        (_, records) = Import<SftExample>(JsonLines(dir, "conv.jsonl",
            new { prompt = Conversation(("user", "q")), completion = Conversation(("assistant", "r")) }), DatasetKind.Sft);
        Assert.Equal(new SftExample("q", "r"), records[0]);
    }

    [Fact]
    public void PreferencesInEachOfTrlsShapesIncludingUltrafeedbacksImplicitPrompt()
    {
        using var dir = new TempDirectory();
        var (report, records) = Import<PreferenceExample>(JsonLines(dir, "prefs.jsonl", new { prompt = "p", chosen = "good", rejected = "bad" }),
            DatasetKind.Preferences);
        Assert.Equal("1 preference rows, prompt/chosen/rejected strings, from prefs.jsonl", report.ToString());
        Assert.Equal(new PreferenceExample("p", "good", "bad"), records[0]);

        // HuggingFaceH4/ultrafeedback_binarized: prompt a string, chosen and rejected whole conversations, scores beside them.
        var parquet = IndependentParquet.Write(dir.File("train_prefs.parquet"), new Dictionary<string, string>
        {
            ["prompt"] = "string", ["chosen"] = "messages", ["rejected"] = "messages", ["score_chosen"] = "double", ["score_rejected"] = "double",
        },
        [
            new { prompt = "Name a color", chosen = Conversation(("user", "Name a color"), ("assistant", "Blue.")),
                rejected = Conversation(("user", "Name a color"), ("assistant", "Dog.")), score_chosen = 8.5, score_rejected = 2.0 },
            new { prompt = "2+2?", chosen = Conversation(("user", "2+2?"), ("assistant", "4")),
                rejected = Conversation(("user", "2+2?"), ("assistant", "5")), score_chosen = 9.0, score_rejected = 1.0 },
            new { prompt = "Hi", chosen = Conversation(("system", "Be kind."), ("user", "Hi"), ("assistant", "Hello!")),
                rejected = Conversation(("system", "Be kind."), ("user", "Hi"), ("assistant", "Go away.")),
                    score_chosen = 7.0, score_rejected = 3.0 },
        ]);
        (report, records) = Import<PreferenceExample>(parquet, DatasetKind.Preferences);
        Assert.Equal("3 preference rows, conversational with implicit prompt, with scores, from train_prefs.parquet", report.ToString());
        Assert.Equal(new PreferenceExample("Name a color", "Blue.", "Dog.", null, 8.5, 2.0), records[0]);
        Assert.Equal("Go away.", records[2].Rejected);
        Assert.Equal([new Message("system", "Be kind.")], records[2].Context!);

        (report, records) = Import<PreferenceExample>(JsonLines(dir, "explicit.jsonl", new
        {
            prompt = Conversation(("user", "q")), chosen = Conversation(("assistant", "yes")), rejected = Conversation(("assistant", "no")),
        }), DatasetKind.Preferences);
        Assert.Equal("conversational with explicit prompt", report.Shape);
        Assert.Equal(new PreferenceExample("q", "yes", "no"), records[0]);
    }

    [Fact]
    public void PromptsAsStringsConversationsOrInstructions()
    {
        using var dir = new TempDirectory();
        var (report, records) = Import<RoundPrompt>(JsonLines(dir, "prompts.jsonl",
            new { prompt = "Sort 3 1 2", prompt_id = 1 }), DatasetKind.Prompts);
        Assert.Equal("prompt strings", report.Shape);
        Assert.Equal(new RoundPrompt("Sort 3 1 2"), records[0]);

        var parquet = IndependentParquet.Write(dir.File("prompts.parquet"), new Dictionary<string, string> { ["messages"] = "messages" },
            [new { messages = Conversation(("user", "u1"), ("assistant", "a1"), ("user", "u2")) }]);
        (_, records) = Import<RoundPrompt>(parquet, DatasetKind.Prompts);
        // The prefixes go into the last user turn; the turns before it stay as they are.
        Assert.Equal("u2", records[0].Prompt);
        Assert.Equal([new Message("user", "u1"), new Message("assistant", "a1")], records[0].Context!);
        // The evaluation answers single-turn prompts only, and says so.
        var withSystem = JsonLines(dir, "system.jsonl",
            new { prompt = new[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Sort 2 1" } } });
        Assert.Equal([new Message("system", "Be brief.")], Import<RoundPrompt>(withSystem, DatasetKind.Prompts).Records[0].Context!);
        var error = Assert.Throws<DatasetException>(() => Import<EvalExample>(withSystem, DatasetKind.Eval));
        Assert.StartsWith("system.jsonl, row 1, column 'prompt': has turns before the last user message", error.Message);
        parquet = IndependentParquet.Write(dir.File("single.parquet"), new Dictionary<string, string> { ["messages"] = "messages" },
            [new { messages = Conversation(("user", "u2")) }]);
        (report, records) = Import<RoundPrompt>(parquet, DatasetKind.Prompts);
        Assert.StartsWith("conversational (messages", report.Shape);
        Assert.Equal(new RoundPrompt("u2"), records[0]);

        (_, records) = Import<RoundPrompt>(JsonLines(dir, "alpaca.jsonl",
            new { instruction = "Write a haiku", input = "", output = "..." }), DatasetKind.Prompts);
        Assert.Equal(new RoundPrompt("Write a haiku"), records[0]);
    }

    [Fact]
    public void EvaluationSetsOfAlpacaEvalMtBenchAndExactScoring()
    {
        using var dir = new TempDirectory();
        var (report, records) = Import<EvalExample>(JsonLines(dir, "alpaca_eval.json",
            new { instruction = "What is 2+2?", output = "4", generator = "gpt4_turbo", dataset = "helpful_base" }), DatasetKind.Eval);
        Assert.Equal("1 evaluation rows, AlpacaEval (instruction, reference output), from alpaca_eval.json", report.ToString());
        Assert.Equal(new EvalExample("What is 2+2?", Reference: "4", Family: "helpful_base"), records[0]);

        var parquet = IndependentParquet.Write(dir.File("question.parquet"),
            new Dictionary<string, string> { ["question_id"] = "int64", ["category"] = "string", ["turns"] = "strings" },
            [new { question_id = 81, category = "writing", turns = new[] { "Compose a blog post.", "Rewrite it." } }]);
        (report, records) = Import<EvalExample>(parquet, DatasetKind.Eval);
        Assert.Equal("MT-Bench questions (first turn)", report.Shape);
        Assert.Equal(new EvalExample("Compose a blog post.", Family: "writing", Id: "81"), records[0]);

        (report, records) = Import<EvalExample>(JsonLines(dir, "exact.jsonl",
            new { prompt = "sort : b a", answer = "a b", family = "sort" }), DatasetKind.Eval);
        Assert.Equal("prompt with reference answer", report.Shape);
        Assert.Equal(new EvalExample("sort : b a", Answer: "a b", Family: "sort"), records[0]);
    }

    [Fact]
    public void AlpacaEvalsOwnFileIsOneJsonArrayAndABadElementIsNamedByItsPlace()
    {
        using var dir = new TempDirectory();
        var path = dir.File("alpaca_eval.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new object[]
        {
            new { instruction = "What is 2+2?", output = "4", generator = "gpt4_turbo", dataset = "helpful_base" },
            new { instruction = "Name a colour.", output = "Blue.", generator = "gpt4_turbo", dataset = "koala" },
        }, new JsonSerializerOptions { WriteIndented = true }));
        var (report, records) = Import<EvalExample>(path, DatasetKind.Eval);
        Assert.Equal("2 evaluation rows, AlpacaEval (instruction, reference output), from alpaca_eval.json", report.ToString());
        Assert.Equal(new EvalExample("Name a colour.", Reference: "Blue.", Family: "koala"), records[1]);

        File.WriteAllText(path, """[{"instruction": "a", "output": "b"}, ["not", "an", "object"]]""");
        Assert.StartsWith("alpaca_eval.json, row 2: is not a JSON object.",
            Assert.Throws<DatasetException>(() => Import<EvalExample>(path, DatasetKind.Eval)).Message);
        File.WriteAllText(path, """[{"instruction": "a", "output": "b"}, {"instruction": """);
        Assert.StartsWith("alpaca_eval.json, row 2: not valid JSON",
            Assert.Throws<DatasetException>(() => Import<EvalExample>(path, DatasetKind.Eval)).Message);
    }

    [Fact]
    public void ColumnsCanBeRenamed()
    {
        using var dir = new TempDirectory();
        var path = JsonLines(dir, "renamed.jsonl", new { question = "q", good = "g", bad = "b" });
        var (_, records) = Import<PreferenceExample>(path, DatasetKind.Preferences, ColumnMap.Parse("prompt=question, chosen=good, rejected=bad"));
        Assert.Equal(new PreferenceExample("q", "g", "b"), records[0]);
        Assert.Contains("not of the form canonical=actual", Assert.Throws<DatasetException>(() => ColumnMap.Parse("prompt")).Message);
    }
}
