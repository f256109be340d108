namespace OnlyPrompt.Bench;

/// <summary>Resident memory of this process, from /proc/self/status.</summary>
public static class Memory
{
    public static double PeakRssMegabytes() => StatusMegabytes("VmHWM:");

    public static double CurrentRssMegabytes() => StatusMegabytes("VmRSS:");

    /// <summary>Starts the peak afresh at the current RSS (Linux's clear_refs), so the next peak covers only what follows.</summary>
    /// <returns>False where the kernel does not allow it; the peak then still covers the process's whole life.</returns>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static double StatusMegabytes(string field)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? double.NaN : Math.Round(long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0, 1);
    }
}
