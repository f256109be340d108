using Spectre.Console;

namespace OnlyPrompt.Cli;

/// <summary>
/// Prints text that holds Markdown tables (the comparison's, the run list): on a terminal each table as a
/// Spectre.Console table and the other lines as they are; elsewhere (a pipe, a log) the text unchanged.
/// </summary>
public static class TerminalTables
{
    public static void Write(IAnsiConsole console, TextWriter plain, string text, bool terminal)
    {
        if (!terminal)
        {
            plain.WriteLine(text);
            return;
        }
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!IsRow(lines[i]) || i + 1 >= lines.Length || !IsSeparator(lines[i + 1]))
            {
                console.WriteLine(lines[i]);
                continue;
            }
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var heading in Cells(lines[i]))
                table.AddColumn(new TableColumn(Markup.Escape(heading)));
            for (i += 2; i < lines.Length && IsRow(lines[i]); i++)
                table.AddRow(Cells(lines[i]).Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)).ToArray());
            i--;
            console.Write(table);
        }
    }

    /// <summary>A Markdown table of <paramref name="rows"/> under <paramref name="headings"/>.</summary>
    public static string Markdown(IReadOnlyList<string> headings, IEnumerable<IReadOnlyList<string>> rows) =>
        string.Join('\n', [Row(headings), Row(headings.Select(_ => "---").ToList()), .. rows.Select(Row)]);

    private static string Row(IReadOnlyList<string> cells) => $"| {string.Join(" | ", cells)} |";

    private static bool IsRow(string line) => line.StartsWith('|') && line.TrimEnd().EndsWith('|');

    private static bool IsSeparator(string line) => IsRow(line) && Cells(line).All(c => c.Length > 0 && c.All(ch => ch is '-' or ':'));

    private static string[] Cells(string line) => [.. line.Trim().Trim('|').Split('|').Select(c => c.Trim())];
}
