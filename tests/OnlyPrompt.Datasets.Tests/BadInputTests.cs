
namespace OnlyPrompt.Datasets.Tests;

/// <summary>Bad input is refused before anything runs, naming file, row and column, and nothing is written.</summary>
public class BadInputTests
{
    private static object[] Conversation(params (string Role, object Content)[] turns) =>
        turns.Select(t => (object)new Dictionary<string, object> { ["role"] = t.Role, ["content"] = t.Content }).ToArray();

    public static TheoryData<string, DatasetKind, string[], string> JsonLinesCases => new()
    {
        { "missing column", DatasetKind.Preferences, ["""{"prompt": "p", "chosen": "c"}"""], "row 1, column 'rejected': is missing: a preference file needs" },
        { "two shapes", DatasetKind.Sft, ["""{"prompt": "p", "completion": "c"}""", """{"prompt": [{"role": "user", "content": "p"}], "completion": "c"}"""],
            "row 2, column 'prompt': is a conversation but the file's first row has text; a file holds one shape." },
        { "content not a string", DatasetKind.Sft, ["""{"messages": [{"role": "user", "content": ["a"]}, {"role": "assistant", "content": "b"}]}"""],
            "row 1, column 'messages': message 0 has content that is a list, not a string." },
        { "unknown role", DatasetKind.Prompts, ["""{"prompt": "ok"}""", """{"prompt": [{"role": "tool", "content": "x"}]}"""],
            "row 2, column 'prompt': message 0 has role 'tool'; expected system, user or assistant." },
        { "empty response", DatasetKind.Preferences, ["""{"prompt": "p", "chosen": "c", "rejected": "r"}""", """{"prompt": "p", "chosen": "  ", "rejected": "r"}"""],
            "row 2, column 'chosen': is empty." },
        { "unreadable line", DatasetKind.Prompts, ["""{"prompt": "a"}""", "", """{"prompt": "b",}"""], "row 3: not valid JSON" },
        { "not an object", DatasetKind.Prompts, ["""["a"]"""], "row 1: is not a JSON object." },
        { "score not a number", DatasetKind.Preferences, ["""{"prompt": "p", "chosen": "c", "rejected": "r", "score_chosen": "high"}"""],
            "row 1, column 'score_chosen': is a string, not a number." },
        { "no answer in conversation", DatasetKind.Sft, ["""{"messages": [{"role": "user", "content": "hi"}]}"""],
            "row 1, column 'messages': must end with a user message followed by the assistant's answer." },
        { "different conversations", DatasetKind.Preferences,
            ["""{"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "x"}], "rejected": [{"role": "user", "content": "b"}, {"role": "assistant", "content": "y"}]}"""],
            "row 1, column 'rejected': differs from chosen before the answer" },
    };

    [Theory]
    [MemberData(nameof(JsonLinesCases))]
    public void JsonLinesFilesAreRefusedNamingFileRowAndColumn(string why, DatasetKind kind, string[] lines, string message)
    {
        using var dir = new TempDirectory();
        var path = dir.File("data.jsonl");
        File.WriteAllLines(path, lines);
        var error = Assert.Throws<DatasetException>(() => DatasetImport.Import(path, kind, dir.File("out.jsonl")));
        Assert.StartsWith("data.jsonl, row", error.Message);
        Assert.Contains(message, error.Message);
        Assert.False(File.Exists(dir.File("out.jsonl")), $"{why}: nothing may be written");
        Assert.False(File.Exists(dir.File("out.jsonl.partial")), $"{why}: no partial file may be left");
    }

    [Fact]
    public void ANonFiniteScoreInParquetIsRefused()
    {
        using var dir = new TempDirectory();
        var path = IndependentParquet.Write(dir.File("prefs.parquet"),
            new Dictionary<string, string> { ["prompt"] = "string", ["chosen"] = "string", ["rejected"] = "string", ["score_chosen"] = "double" },
            [new { prompt = "p", chosen = "c", rejected = "r", score_chosen = 1.0 },
                new { prompt = "p", chosen = "c", rejected = "r", score_chosen = double.NaN }]);
        var error = Assert.Throws<DatasetException>(() => DatasetImport.Import(path, DatasetKind.Preferences, dir.File("out.jsonl")));
        Assert.Equal("prefs.parquet, row 2, column 'score_chosen': is not a finite number.", error.Message);
        Assert.False(File.Exists(dir.File("out.jsonl")));
    }

    [Fact]
    public void AMessageWithoutContentInParquetIsRefused()
    {
        using var dir = new TempDirectory();
        var path = IndependentParquet.Write(dir.File("sft.parquet"), new Dictionary<string, string> { ["messages"] = "messages" },
            [new { messages = Conversation(("user", "a"), ("assistant", "b")) },
                new { messages = new object[] { new Dictionary<string, object?> { ["role"] = "user", ["content"] = null } } }]);
        var error = Assert.Throws<DatasetException>(() => DatasetImport.Import(path, DatasetKind.Sft, dir.File("out.jsonl")));
        Assert.Equal("sft.parquet, row 2, column 'messages': message 0 has content that is null, not a string.", error.Message);
    }

    [Fact]
    public void TruncatedAndCorruptParquetFilesAreRefused()
    {
        using var dir = new TempDirectory();
        var path = IndependentParquet.Write(dir.File("prompts.parquet"), new Dictionary<string, string> { ["prompt"] = "string" },
            Enumerable.Range(0, 10).Select(i => (object)new { prompt = $"prompt {i}" }));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(dir.File("truncated.parquet"), bytes[..(bytes.Length / 2)]);
        var truncated = Assert.Throws<DatasetException>(() =>
            DatasetImport.Import(dir.File("truncated.parquet"), DatasetKind.Prompts, dir.File("out.jsonl")));
        Assert.StartsWith("truncated.parquet: not a readable Parquet file", truncated.Message);
        var corrupt = (byte[])bytes.Clone();
        for (var i = 8; i < corrupt.Length / 2; i++)
            corrupt[i] ^= 0x5A;
        File.WriteAllBytes(dir.File("corrupt.parquet"), corrupt);
        var error = Assert.Throws<DatasetException>(() =>
            DatasetImport.Import(dir.File("corrupt.parquet"), DatasetKind.Prompts, dir.File("out.jsonl")));
        Assert.StartsWith("corrupt.parquet", error.Message);
        Assert.False(File.Exists(dir.File("out.jsonl")));
    }

    [Fact]
    public void AFileOfAnotherFormatOrNoRowsIsRefused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("data.csv"), "prompt\nhi\n");
        Assert.Contains("'.csv' files are not read",
            Assert.Throws<DatasetException>(() => DatasetImport.Import(dir.File("data.csv"), DatasetKind.Prompts, dir.File("o"))).Message);
        File.WriteAllText(dir.File("empty.jsonl"), "\n");
        Assert.Equal("empty.jsonl: the file has no rows.",
            Assert.Throws<DatasetException>(() => DatasetImport.Import(dir.File("empty.jsonl"), DatasetKind.Prompts, dir.File("o"))).Message);
        Assert.Contains("does not exist", Assert.Throws<DatasetException>(() =>
            DatasetImport.Import(dir.File("nope.jsonl"), DatasetKind.Prompts, dir.File("o"))).Message);
    }
}
