namespace OnlyPrompt.Model.Checkpoints;

/// <summary>
/// Writes a directory through a temporary sibling that replaces the target only once complete, so a crash
/// leaves either the old contents or the new ones, never half of them.
/// </summary>
public static class AtomicDirectory
{
    public static void Write(string directory, Action<string> writeInto)
    {
        var target = Path.GetFullPath(directory);
        var staging = $"{target}.partial-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            writeInto(staging);
            Replace(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private static void Replace(string staging, string target)
    {
        var parent = Path.GetDirectoryName(target);
        if (parent is not null)
            Directory.CreateDirectory(parent);
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        var retired = $"{target}.old-{Guid.NewGuid():N}";
        Directory.Move(target, retired);
        Directory.Move(staging, target);
        Directory.Delete(retired, recursive: true);
    }
}
