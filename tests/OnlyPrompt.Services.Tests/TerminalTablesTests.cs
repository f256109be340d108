using OnlyPrompt.Cli;
using Spectre.Console.Testing;

namespace OnlyPrompt.Services.Tests;

/// <summary>The comparison's and the run list's tables: Spectre.Console tables on a terminal, the Markdown as it is elsewhere.</summary>
public class TerminalTablesTests
{
    private const string Text = "Table 1: the method\n| model | quality |\n|---|---|\n| SFT | 0.486 ± 0.014 |\n| round 3 | 0.867 [0.84, 0.89] " +
        "|\nafter the table";

    [Fact]
    public void On_a_terminal_a_markdown_table_becomes_a_drawn_table_between_the_other_lines()
    {
        var console = new TestConsole();
        console.Profile.Width = 120;
        TerminalTables.Write(console, TextWriter.Null, Text, terminal: true);

        var lines = console.Output.Split('\n');
        Assert.Equal("Table 1: the method", lines[0].TrimEnd());
        Assert.StartsWith("╭", lines[1]);
        Assert.Contains(lines, l => l.Contains("round 3", StringComparison.Ordinal)
            && l.Contains("0.867 [0.84, 0.89]", StringComparison.Ordinal) && l.Contains('│'));
        Assert.DoesNotContain("|---|", console.Output);
        Assert.Equal("after the table", lines.Last(l => l.Length > 0).TrimEnd());
    }

    [Fact]
    public void Elsewhere_the_text_is_written_unchanged()
    {
        var console = new TestConsole();
        var plain = new StringWriter();
        TerminalTables.Write(console, plain, Text, terminal: false);

        Assert.Equal(Text + Environment.NewLine, plain.ToString());
        Assert.Empty(console.Output);
    }

    [Fact]
    public void Markdown_puts_cells_under_headings() =>
        Assert.Equal("| a | b |\n| --- | --- |\n| 1 | 2 |", TerminalTables.Markdown(["a", "b"], [["1", "2"]]));
}
