namespace OnlyPrompt.Datasets;

/// <summary>A dataset file that cannot be used as it is; the message names the file and, where it applies, the row and column.</summary>
public sealed class DatasetException(string message) : Exception(message)
{
    public static DatasetException At(string file, long row, string? column, string message) =>
        new($"{file}, row {row}{(column is null ? "" : $", column '{column}'")}: {message}");
}
