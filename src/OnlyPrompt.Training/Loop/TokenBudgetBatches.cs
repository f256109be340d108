namespace OnlyPrompt.Training.Loop;

/// <summary>
/// Groups examples into micro-batches whose padded size (rows x longest row) stays within a token budget,
/// after a shuffle seeded by (seed, epoch), so every epoch's plan can be rebuilt exactly on resume.
/// </summary>
public static class TokenBudgetBatches
{
    public static List<int[]> Plan(IReadOnlyList<(int Rows, int Length)> shapes, int tokensPerBatch, int seed, int epoch)
    {
        var order = Enumerable.Range(0, shapes.Count).ToArray();
        new Random(unchecked(seed * 7919 + epoch) & int.MaxValue).Shuffle(order); // seeded Random is stable across runs
        var batches = new List<int[]>();
        var current = new List<int>();
        int rows = 0, longest = 0;
        foreach (var index in order)
        {
            var (r, length) = shapes[index];
            if (current.Count > 0 && (rows + r) * Math.Max(longest, length) > tokensPerBatch)
            {
                batches.Add(current.ToArray());
                (current, rows, longest) = ([], 0, 0);
            }
            current.Add(index);
            rows += r;
            longest = Math.Max(longest, length);
        }
        if (current.Count > 0)
            batches.Add(current.ToArray());
        return batches;
    }
}
