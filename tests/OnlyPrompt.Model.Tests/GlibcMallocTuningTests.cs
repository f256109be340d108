using System.Runtime.InteropServices;

namespace OnlyPrompt.Model.Tests;

public class GlibcMallocTuningTests
{
    private const int MallocTrimThreshold = -1, MallocMmapThreshold = -3; // mallopt's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    private const int BlockBytes = 1 << 20;

    // Under the tuning's thresholds, megabyte buffers come from the heap and stay resident when freed; the trim gives
    // their pages back. mincore asks the kernel about exactly those pages, so other tests' memory cannot blur the result.
    [Fact]
    public void ReturnFreePagesGivesFreedHeapBuffersBackToTheSystem()
    {
        Assert.Equal(1, mallopt(MallocMmapThreshold, int.Parse(GlibcMallocTuning.Variables["MALLOC_MMAP_THRESHOLD_"])));
        Assert.Equal(1, mallopt(MallocTrimThreshold, int.Parse(GlibcMallocTuning.Variables["MALLOC_TRIM_THRESHOLD_"])));
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
            GlibcMallocTuning.ReturnFreePages();
            var residentAfterTrim = ResidentFraction(blocks);

            Assert.True(residentWhenFreed > 0.9, $"freed heap pages stay resident under the tuning: {residentWhenFreed:P0}");
            Assert.True(residentAfterTrim < 0.1, $"after the trim {residentAfterTrim:P0} of them are still resident");
        }
        finally
        {
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
