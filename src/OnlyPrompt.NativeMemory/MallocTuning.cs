using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OnlyPrompt.NativeMemory;

/// <summary>
/// The allocator settings under which libtorch's CPU buffers are cheapest (docs/platform.md), for a process to start
/// with. Where the system has tcmalloc (Debian's <c>libtcmalloc-minimal4</c>) it is preloaded: at the 0.5B shape training ran
/// faster at less peak memory than under glibc. glibc malloc, in use where it is not, is tuned to keep libtorch's freed
/// buffers mapped instead of returning them to the OS after every op: buffers up to 32 MB (glibc's largest threshold) come
/// from the heap, which is not trimmed on every free, and the heap and the larger buffers' own mappings
/// are backed by transparent huge pages where the kernel offers them on request, so each fresh buffer faults its pages in
/// 2 MB at a time instead of 4 KB. Both are read only when a process starts, so an executable calls
/// <see cref="RerunWithSettingsIfNeeded"/> first thing in Main. ONLYPROMPT_MALLOC_TUNING=0 turns all of it off,
/// ONLYPROMPT_TCMALLOC=0 keeps glibc, and an LD_PRELOAD already set is left as it is. Either allocator keeps freed memory
/// for reuse, so a long-running trainer gives the free pages back with <see cref="ReturnFreePages"/> (through
/// <see cref="HeapTrimmer"/>).
/// </summary>
public static class MallocTuning
{
    /// <summary>glibc malloc's settings alone, for a process that will not find this machine's libraries (a container).</summary>
    public static readonly IReadOnlyDictionary<string, string> GlibcVariables = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = "33554432",
        ["MALLOC_TRIM_THRESHOLD_"] = "1000000000",
        ["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1",
    };

    /// <summary>Where the distributions install tcmalloc's minimal library (no heap profiler), in the order looked at.</summary>
    public static readonly IReadOnlyList<string> TcmallocCandidates =
    [
        $"/usr/lib/{RuntimeInformation.ProcessArchitecture switch { Architecture.Arm64 => "aarch64", _ => "x86_64" }}-linux-gnu/libtcmalloc_minimal.so.4",
        "/usr/lib64/libtcmalloc_minimal.so.4",
        "/usr/lib/libtcmalloc_minimal.so.4",
    ];

    /// <summary>
    /// The tcmalloc library the processes this one starts preload, or null where none is installed, it is turned off, or
    /// this process runs with an LD_PRELOAD already (which they inherit).
    /// </summary>
    public static readonly string? TcmallocToPreload = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("ONLYPROMPT_TCMALLOC") != "0"
        && Environment.GetEnvironmentVariable("LD_PRELOAD") is null ? TcmallocCandidates.FirstOrDefault(File.Exists) : null;

    /// <summary>The environment a process that runs libtorch starts with, here: tcmalloc preloaded where found, glibc tuned.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = TcmallocToPreload is null ? GlibcVariables
        : new Dictionary<string, string>(GlibcVariables)
    {
        ["LD_PRELOAD"] = TcmallocToPreload,
        // Otherwise tcmalloc prints a stack line for every allocation over 1 GB (a 7B model's embedding and its AdamW state).
        ["TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD"] = "1099511627776",
        // Otherwise (rate 1) tcmalloc gives freed spans back to the OS as it goes, and every training step faults its
        // activations in again; the Trainer gives the free pages back itself (HeapTrimmer, and once it finishes).
        ["TCMALLOC_RELEASE_RATE"] = "0",
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

    private static readonly Lazy<Action?> TcmallocRelease = new(() =>
        NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "MallocExtension_ReleaseFreeMemory", out var release)
            ? Marshal.GetDelegateForFunctionPointer<ReleaseFreeMemory>(release).Invoke
            : null);

    /// <summary>The allocator this process runs on: tcmalloc where it was preloaded, glibc malloc otherwise.</summary>
    public static string Allocator => TcmallocRelease.Value is null ? "glibc" : "tcmalloc";

    private static bool trimUnavailable;

    /// <summary>
    /// Gives the pages of free memory back to the OS: tcmalloc's ReleaseFreeMemory where it is this process's allocator
    /// (preloaded), glibc's malloc_trim otherwise. Without it a training process's RSS grew step after step while the
    /// memory in use stayed flat (docs/platform.md).
    /// </summary>
    public static void ReturnFreePages()
    {
        if (!OperatingSystem.IsLinux())
            return;
        if (TcmallocRelease.Value is { } release)
        {
            release();
            return;
        }
        if (trimUnavailable)
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

    private delegate void ReleaseFreeMemory();

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
