namespace OnlyPrompt.Training.Loop;

/// <summary>
/// Groups examples into micro-batches whose padded size (rows x longest row) stays within a token budget.
/// Examples are shuffled, sorted by length within windows of <see cref="BucketWindow"/> so rows of a batch
/// have similar lengths (little padding), packed, and the batches shuffled again. Everything is seeded by
/// (seed, epoch), so any epoch's plan can be rebuilt exactly on resume.
/// </summary>
public static class TokenBudgetBatches
{
    public const int BucketWindow = 512;

    public static List<int[]> Plan(IReadOnlyList<(int Rows, int Length)> shapes, int tokensPerBatch, int seed, int epoch)
    {
        var random = new Random(unchecked(seed * 7919 + epoch) & int.MaxValue); // seeded Random is stable across runs
        var order = Enumerable.Range(0, shapes.Count).ToArray();
        random.Shuffle(order);
        var batches = new List<int[]>();
        foreach (var window in order.Chunk(BucketWindow))
            batches.AddRange(Pack(window.OrderBy(i => shapes[i].Length).ThenBy(i => i), shapes, tokensPerBatch));
        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return [.. shuffled];
    }

    private static IEnumerable<int[]> Pack(IEnumerable<int> indexes, IReadOnlyList<(int Rows, int Length)> shapes, int tokensPerBatch)
    {
        var current = new List<int>();
        int rows = 0, longest = 0;
        foreach (var index in indexes)
        {
            var (r, length) = shapes[index];
            if (current.Count > 0 && (rows + r) * Math.Max(longest, length) > tokensPerBatch)
            {
                yield return current.ToArray();
                (current, rows, longest) = ([], 0, 0);
            }
            current.Add(index);
            rows += r;
            longest = Math.Max(longest, length);
        }
        if (current.Count > 0)
            yield return current.ToArray();
    }
}
