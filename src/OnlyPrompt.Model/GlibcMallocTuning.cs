using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OnlyPrompt.Model;

/// <summary>
/// glibc malloc settings that keep libtorch's freed buffers mapped instead of returning them to the OS after
/// every op, which makes CPU training faster (docs/platform.md): buffers up to 32 MB (glibc's largest threshold) come
/// from the heap, which is not trimmed on every free, and the heap and the larger buffers' own mappings are backed by
/// transparent huge pages where the kernel offers them on request, so each fresh buffer faults its pages in 2 MB at a
/// time instead of 4 KB. glibc reads them only when a
/// process starts, so an executable calls <see cref="RerunWithSettingsIfNeeded"/> first thing in Main.
/// Set ONLYPROMPT_MALLOC_TUNING=0 to opt out. The AppHost sets the same values for the model services.
/// Kept mapped, the freed buffers fragment the heap as op sizes vary, so a long-running trainer returns the free pages
/// with <see cref="ReturnFreePages"/> (through <see cref="HeapTrimmer"/>).
/// </summary>
public static class GlibcMallocTuning
{
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = "33554432",
        ["MALLOC_TRIM_THRESHOLD_"] = "1000000000",
        ["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1",
    };

    /// <returns>The exit code of the re-run process, or null when this process already runs with the settings (or should not re-run).</returns>
    public static int? RerunWithSettingsIfNeeded(string[] args)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("ONLYPROMPT_MALLOC_TUNING") == "0"
            || Variables.Keys.All(name => Environment.GetEnvironmentVariable(name) is not null) || Environment.ProcessPath is not { } host)
            return null;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet" && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry)
            start.ArgumentList.Add(entry);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in Variables)
            start.Environment[name] = Environment.GetEnvironmentVariable(name) ?? value;
        // Ctrl+C reaches the child too (same process group); this process waits for it to finish.
        Console.CancelKeyPress += (_, e) => e.Cancel = true;
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not re-run {host}.");
        child.WaitForExit();
        return child.ExitCode;
    }

    private static bool trimUnavailable;

    /// <summary>
    /// Gives the pages of free heap chunks back to the OS (glibc's malloc_trim). Without it a training process's RSS
    /// grew step after step while the memory in use stayed flat (docs/platform.md).
    /// </summary>
    public static void ReturnFreePages()
    {
        if (!OperatingSystem.IsLinux() || trimUnavailable)
            return;
        try
        {
            _ = malloc_trim(0);
        }
        catch (EntryPointNotFoundException)
        {
            trimUnavailable = true; // a C library other than glibc (musl)
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
