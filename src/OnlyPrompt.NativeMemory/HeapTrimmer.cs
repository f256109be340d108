using System.Globalization;

namespace OnlyPrompt.NativeMemory;

/// <summary>
/// Gives the heap's free pages back (<see cref="MallocTuning.ReturnFreePages"/>) when the RSS after a step has
/// grown by more than a margin over the RSS after an earlier one: <paramref name="marginBytes"/>, or the
/// <paramref name="marginOfResident"/> share of that RSS where it is larger. Under the malloc tuning freed buffers
/// stay mapped and the heap fragments, so a trainer's RSS grew step after step while the memory in use stayed flat.
/// Trimming after every step costs more than it saves: the next step faults its working set in again (+20% a step at 4 layers of width 256; at the 0.5B shape a
/// trim for 260 MB of growth over 14.4 GB made the next step fault 7 GB in again). So the first step after a trim only
/// measures that working set again (docs/platform.md).
/// </summary>
public sealed class HeapTrimmer(long marginBytes = HeapTrimmer.DefaultMarginBytes,
    double marginOfResident = HeapTrimmer.DefaultMarginOfResident)
{
    public const long DefaultMarginBytes = 256L << 20;
    public const double DefaultMarginOfResident = 1.0 / 16;

    private long? baseline;

    /// <summary>Call after each step.</summary>
    /// <returns>Whether it trimmed.</returns>
    public bool TrimIfGrown()
    {
        var resident = ResidentBytes();
        if (baseline is not { } settled)
        {
            baseline = resident;
            return false;
        }
        if (resident - settled <= Math.Max(marginBytes, marginOfResident * settled))
            return false;
        MallocTuning.ReturnFreePages();
        baseline = null;
        return true;
    }

    // /proc/self/statm: size, resident, ... in pages; 0 where there is no /proc, so nothing is ever trimmed there.
    private static long ResidentBytes() => OperatingSystem.IsLinux()
        ? long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize
        : 0;
}
