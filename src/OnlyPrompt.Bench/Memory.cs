namespace OnlyPrompt.Bench;

/// <summary>Resident memory of this process, from /proc/self/status.</summary>
public static class Memory
{
    public static double PeakRssMegabytes() => StatusMegabytes("VmHWM:");

    public static double CurrentRssMegabytes() => StatusMegabytes("VmRSS:");

    private static double StatusMegabytes(string field)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? double.NaN : Math.Round(long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0, 1);
    }
}
