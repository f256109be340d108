using System.Globalization;
using OnlyPrompt.Method.Scores;

namespace OnlyPrompt.Worlds;

/// <summary>
/// Writes an answer of about a requested quality q the way a careless solver errs, so that seed data asked for
/// score s has quality near s / 10 whatever the answer's length. Systematic errors keep the correct answer from
/// being the most likely one in mixed-quality data, as in real instruction data. The errors of the copy and arithmetic
/// families are random; those of the default families follow from the task and the score alone, because a model
/// sampled at low temperature writes the likeliest answer: with a random error per answer that was the correct one
/// whatever score was asked for (docs/experiments.md).
/// </summary>
public sealed class CarelessSolver(Random random)
{
    public string Answer(WorldTask task, double quality)
    {
        var items = task.Instruction.Split(" : ")[1].Split(' ');
        string List(bool dropAllCopies, params string[][] lazyOrders) =>
            Nearest(task.Answer, ListAnswers(ExactScorer.Words(task.Answer), lazyOrders, dropAllCopies), quality);
        return task.Family switch
        {
            TaskFamily.Sort or TaskFamily.Alphabetize => List(false, items),
            TaskFamily.Dedupe => List(true, items, [.. items.Order(StringComparer.Ordinal)]),
            // The second world: its lazy answers are its tasks' typical mistakes (sorted the wrong way, the filter forgotten,
            // the letters sorted instead of kept in order, the odd positions kept instead of the even ones).
            TaskFamily.Descend => List(false, [.. items.Order(StringComparer.Ordinal)], items),
            TaskFamily.Evens => List(false, items),
            TaskFamily.FirstSeen => List(true, [.. items.Distinct().Order(StringComparer.Ordinal)], items),
            TaskFamily.Alternate => List(false, [.. items.Where((_, i) => i % 2 == 1)], items),
            // One-word answers: worked out on the first q x n items only; with none read, the lazy answer, which is wrong whenever a wrong
            // one exists.
            TaskFamily.Max => Read(items, quality) is { Length: > 0 } read ? read.Max(StringComparer.Ordinal)!
                : items.FirstOrDefault(i => i != task.Answer) ?? task.Answer,
            TaskFamily.Count => Read(items, quality) is { Length: > 0 } read && CountedLetter(task) is var letter
                ? read.Count(i => i == letter).ToString(CultureInfo.InvariantCulture)
                : items.Length.ToString(CultureInfo.InvariantCulture),
            _ => RandomEdits(task, quality),
        };
    }

    /// <summary>
    /// The answers a careless solver writes to a list task: the first k words of the correct answer followed by what
    /// it left of the input in a lazy order (the input as given; for dedupe also sorted with its duplicates), and the
    /// correct answer with one slip (a word miscopied as its neighbour in the alphabet, two neighbours swapped, a word
    /// written twice or dropped). Among answers of equal quality the earlier one in this order wins: lazy before
    /// slipped, slips late in the list before early ones, and slips that keep the length before those that change it,
    /// since with drops first 42% of round 3's rejected answers were a word short against 2% of its chosen ones,
    /// which taught the policy that longer is better (it began writing words twice).
    /// </summary>
    private static List<string[]> ListAnswers(string[] correct, IReadOnlyList<string[]> lazyOrders, bool dropAllCopies)
    {
        var alphabet = char.IsDigit(correct[0][0]) ? TaskGenerator.Digits : TaskGenerator.Letters;
        var answers = new List<string[]>();
        foreach (var lazy in lazyOrders)
            for (var done = 0; done <= correct.Length; done++)
                answers.Add(PartlyDone(correct, lazy, done, dropAllCopies));
        for (var i = correct.Length - 1; i >= 0; i--)
        {
            var at = Array.IndexOf(alphabet, correct[i]);
            foreach (var neighbour in new[] { at - 1, at + 1 }.Where(n => n >= 0 && n < alphabet.Length))
                answers.Add([.. correct[..i], alphabet[neighbour], .. correct[(i + 1)..]]);
            if (i + 1 < correct.Length && correct[i] != correct[i + 1])
                answers.Add([.. correct[..i], correct[i + 1], correct[i], .. correct[(i + 2)..]]);
            answers.Add([.. correct[..(i + 1)], .. correct[i..]]);
            answers.Add([.. correct[..i], .. correct[(i + 1)..]]);
        }
        // Last, so it wins no tie: a filter task's lazy orders hold words it drops, so no partly done answer is correct.
        answers.Add(correct);
        return answers;
    }

    private static string[] PartlyDone(string[] correct, string[] lazy, int done, bool dropAllCopies)
    {
        var rest = lazy.ToList();
        foreach (var word in correct[..done])
            if (dropAllCopies)
                rest.RemoveAll(w => w == word);
            else
                rest.Remove(word);
        return [.. correct[..done], .. rest];
    }

    /// <summary>"count b in : a b b c" -> "b"</summary>
    private static string CountedLetter(WorldTask task) => task.Instruction.Split(' ')[1];

    private static string[] Read(string[] items, double quality) => items[..(int)(quality * items.Length + 1e-9)];

    /// <summary>
    /// The first candidate whose quality is nearest <paramref name="quality"/>, so that one task asked for one score always gets the same
    /// answer.
    /// </summary>
    private static string Nearest(string correct, List<string[]> candidates, double quality) =>
        candidates.Select(words => string.Join(' ', words)).Distinct()
            .MinBy(answer => Math.Round(Math.Abs(ExactScorer.Quality(correct, answer) - quality), 9))!;

    /// <summary>For the copy and arithmetic families: about (1 - quality) x length random word edits.</summary>
    private string RandomEdits(WorldTask task, double quality)
    {
        var words = ExactScorer.Words(task.Answer).ToList();
        var alphabet = task.Family is TaskFamily.Reverse or TaskFamily.Shift ? TaskGenerator.Letters : TaskGenerator.Digits;
        var edits = (int)Math.Round((1 - quality) * words.Count, MidpointRounding.AwayFromZero);
        for (var e = 0; e < edits; e++)
        {
            var kind = random.NextDouble();
            var at = random.Next(words.Count);
            if (kind < 0.15 && words.Count > 1)
                words.RemoveAt(at);
            else if (kind < 0.3)
                words.Insert(at, alphabet[random.Next(alphabet.Length)]);
            else
            {
                var replacement = alphabet[random.Next(alphabet.Length)];
                while (replacement == words[at])
                    replacement = alphabet[random.Next(alphabet.Length)];
                words[at] = replacement;
            }
        }
        return string.Join(' ', words);
    }
}
