using System.Diagnostics;
using System.Runtime.InteropServices;
using OnlyPrompt.NativeMemory;

namespace OnlyPrompt.Model.Tests;

/// <summary>Runs alone: <see cref="HeapTrimmer"/> reads the process's RSS, which tests beside it would move.</summary>
[CollectionDefinition(nameof(MallocTuningTests), DisableParallelization = true)]
public sealed class MallocTuningCollection;

[Collection(nameof(MallocTuningTests))]
public class MallocTuningTests
{
    private const int MallocTrimThreshold = -1, MallocMmapThreshold = -3; // mallopt's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    private const int BlockBytes = 1 << 20;

    [Fact]
    public void ReturnFreePagesGivesFreedHeapBuffersBackToTheSystem()
    {
        var (residentWhenFreed, residentAfterTrim) = WithFreedHeapBlocks(MallocTuning.ReturnFreePages);

        Assert.True(residentWhenFreed > 0.9, $"freed heap pages stay resident under the tuning: {residentWhenFreed:P0}");
        Assert.True(residentAfterTrim < 0.1, $"after the trim {residentAfterTrim:P0} of them are still resident");
    }

    // Where the system has tcmalloc (CI installs it), what this process would start its children with preloads it.
    [Fact]
    public void AProcessStartedWithTheVariablesRunsUnderTcmallocExactlyWhereTheSystemHasIt()
    {
        if (Environment.GetEnvironmentVariable("ONLYPROMPT_TCMALLOC") != "0" && Environment.GetEnvironmentVariable("LD_PRELOAD") is null)
            Assert.Equal(MallocTuning.TcmallocCandidates.FirstOrDefault(File.Exists), MallocTuning.TcmallocToPreload);
        var start = new ProcessStartInfo("cat", ["/proc/self/maps"]) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (name, value) in MallocTuning.Variables)
            start.Environment[name] = value;
        using var child = Process.Start(start)!;
        var maps = child.StandardOutput.ReadToEnd();
        child.WaitForExit();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(MallocTuning.TcmallocToPreload is not null, maps.Contains("libtcmalloc_minimal", StringComparison.Ordinal));
    }

    // 64 MB freed after the trimmer has measured its baseline: over a 16 MB margin it trims, under a 1 GB one it does not,
    // nor under a margin of the whole baseline RSS.
    [Theory]
    [InlineData(16L << 20, 0.0, true)]
    [InlineData(1L << 30, 0.0, false)]
    [InlineData(16L << 20, 1.0, false)]
    public void HeapTrimmerTrimsOnlyWhenTheRssGrewByMoreThanItsMargin(long margin, double marginOfResident, bool trims)
    {
        // Free pages an earlier test left resident (the other case's) would take these blocks without growing the RSS, and
        // earlier tests' tensors finalized between the baseline and the trim would shrink it: both are settled first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        MallocTuning.ReturnFreePages();
        var trimmer = new HeapTrimmer(margin, marginOfResident);
        Assert.False(trimmer.TrimIfGrown()); // the first call measures the baseline
        var trimmed = false;
        var (_, residentAfter) = WithFreedHeapBlocks(() => trimmed = trimmer.TrimIfGrown());

        Assert.Equal(trims, trimmed);
        Assert.True(trims ? residentAfter < 0.1 : residentAfter > 0.9, $"{residentAfter:P0} of the freed pages are resident");
        if (trims)
            Assert.False(trimmer.TrimIfGrown()); // after a trim it measures the working set again before the next one
    }

    // Under the tuning's thresholds, megabyte buffers come from the heap and stay resident when freed; mincore asks the
    // kernel about exactly those pages, so other memory of the process cannot blur the result.
    private static (double ResidentWhenFreed, double ResidentAfter) WithFreedHeapBlocks(Action afterFreeing)
    {
        Assert.Equal(1, mallopt(MallocMmapThreshold, int.Parse(MallocTuning.GlibcVariables["MALLOC_MMAP_THRESHOLD_"])));
        Assert.Equal(1, mallopt(MallocTrimThreshold, int.Parse(MallocTuning.GlibcVariables["MALLOC_TRIM_THRESHOLD_"])));
        var blocks = Enumerable.Range(0, 64).Select(_ => Marshal.AllocHGlobal(BlockBytes)).ToArray();
        foreach (var block in blocks)
            for (var offset = 0; offset < BlockBytes; offset += Environment.SystemPageSize)
                Marshal.WriteByte(block, offset, 1);
        var sentinel = Marshal.AllocHGlobal(BlockBytes); // keeps the freed blocks off the heap's top, which malloc would release itself
        try
        {
            foreach (var block in blocks)
                Marshal.FreeHGlobal(block);
            var residentWhenFreed = ResidentFraction(blocks);
            afterFreeing();
            return (residentWhenFreed, ResidentFraction(blocks));
        }
        finally
        {
            // Trimmed while the sentinel still keeps them apart: merged into the top chunk of a thread's own arena, the
            // blocks' pages would stay resident through malloc_trim and let the next test's blocks take them.
            MallocTuning.ReturnFreePages();
            Marshal.FreeHGlobal(sentinel);
        }
    }

    // The share of the blocks' inner pages (not the first or last, where malloc keeps its bookkeeping) held in memory.
    private static double ResidentFraction(IEnumerable<nint> blocks)
    {
        var page = Environment.SystemPageSize;
        var (resident, total) = (0, 0);
        foreach (var block in blocks)
        {
            var start = (block + page - 1) / page * page + page;
            var length = BlockBytes - 3 * page;
            var pages = new byte[length / page];
            Assert.Equal(0, mincore(start, (nuint)(pages.Length * page), pages));
            resident += pages.Count(p => (p & 1) != 0);
            total += pages.Length;
        }
        return (double)resident / total;
    }

    [DllImport("libc")]
    private static extern int mallopt(int parameter, int value);

    [DllImport("libc", SetLastError = true)]
    private static extern int mincore(nint address, nuint length, byte[] residentPages);
}
