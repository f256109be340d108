using System.Globalization;

namespace OnlyPrompt.Experiment.World;

/// <summary>
/// Writes an answer of about a requested quality q the way a careless solver errs, so that seed data asked for
/// score s has quality near s / 10 whatever the answer's length. Systematic errors keep the correct answer from
/// being the most likely one in mixed-quality data, as in real instruction data.
/// </summary>
public sealed class CarelessSolver(Random random)
{
    public string Answer(WorldTask task, double quality)
    {
        var items = task.Instruction.Split(" : ")[1].Split(' ');
        return task.Family switch
        {
            TaskFamily.Sort or TaskFamily.Alphabetize => Nearest(task.Answer, ListAnswers(ExactScorer.Words(task.Answer), [items], dropAllCopies: false), quality),
            TaskFamily.Dedupe => Nearest(task.Answer, ListAnswers(ExactScorer.Words(task.Answer), [items, [.. items.Order(StringComparer.Ordinal)]], dropAllCopies: true), quality),
            // One-word answers: right with probability q, else the lazy answer, which is wrong whenever a wrong one exists.
            TaskFamily.Max => random.NextDouble() < quality ? task.Answer : items.FirstOrDefault(i => i != task.Answer) ?? task.Answer,
            TaskFamily.Count => random.NextDouble() < quality ? task.Answer : items.Length.ToString(CultureInfo.InvariantCulture),
            _ => RandomEdits(task, quality),
        };
    }

    /// <summary>
    /// The answers a careless solver writes to a list task: the first k words of the correct answer followed by what
    /// it left of the input in a lazy order (the input as given; for dedupe also sorted with its duplicates), and the
    /// correct answer with one slip (a word dropped, written twice, miscopied as its neighbour in the alphabet, or
    /// two neighbours swapped).
    /// </summary>
    private static List<string[]> ListAnswers(string[] correct, IReadOnlyList<string[]> lazyOrders, bool dropAllCopies)
    {
        var alphabet = char.IsDigit(correct[0][0]) ? TaskGenerator.Digits : TaskGenerator.Letters;
        var answers = new List<string[]>();
        foreach (var lazy in lazyOrders)
            for (var done = 0; done <= correct.Length; done++)
                answers.Add(PartlyDone(correct, lazy, done, dropAllCopies));
        for (var i = 0; i < correct.Length; i++)
        {
            answers.Add([.. correct[..i], .. correct[(i + 1)..]]);
            answers.Add([.. correct[..(i + 1)], .. correct[i..]]);
            var at = Array.IndexOf(alphabet, correct[i]);
            foreach (var neighbour in new[] { at - 1, at + 1 }.Where(n => n >= 0 && n < alphabet.Length))
                answers.Add([.. correct[..i], alphabet[neighbour], .. correct[(i + 1)..]]);
            if (i + 1 < correct.Length && correct[i] != correct[i + 1])
                answers.Add([.. correct[..i], correct[i + 1], correct[i], .. correct[(i + 2)..]]);
        }
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

    /// <summary>One of the candidates whose quality is nearest <paramref name="quality"/>, drawn at random among ties.</summary>
    private string Nearest(string correct, List<string[]> candidates, double quality)
    {
        var scored = candidates.Select(words => string.Join(' ', words)).Distinct()
            .Select(answer => (Answer: answer, Distance: Math.Abs(ExactScorer.Quality(correct, answer) - quality))).ToList();
        var best = scored.Min(c => c.Distance);
        var nearest = scored.Where(c => c.Distance - best < 1e-9).ToList();
        return nearest[random.Next(nearest.Count)].Answer;
    }

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
