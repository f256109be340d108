namespace OnlyPrompt.Method.Scores;

/// <summary>The columns of the per-stage results table that the in-process experiment and <c>onlyprompt run</c> both print.</summary>
public static class StageTable
{
    public const string Header =
        "stage     rej  pairs  kept  leak  cut  same  empty  loss     margin   quality        leaks   time";
}
