namespace OnlyPrompt.Worlds;

/// <summary>Draws tasks of the given families (default: <see cref="LaptopFamilies"/>) from a seeded random source.</summary>
public sealed class TaskGenerator(Random random, IReadOnlyList<TaskFamily>? families = null)
{
    /// <summary>
    /// Families a tiny model learns within a laptop budget and whose answers take partial credit. Reverse, Shift and
    /// Add need position-exact copying or carries, which small models learn only after a long plateau. Max and Count have
    /// one-word answers, right or wrong, so a score below 10 can only make a wrong answer more likely; sampled at low
    /// temperature the likeliest answer is right either way, so their pairs teach nothing. The default world leaves them
    /// out (the measurements are in docs/experiments.md).
    /// </summary>
    public static readonly IReadOnlyList<TaskFamily> LaptopFamilies = [TaskFamily.Sort, TaskFamily.Alphabetize, TaskFamily.Dedupe];

    /// <summary>
    /// The second world (preset "second"): four list tasks of its own, none of the default world's, each with an error
    /// of its own kind (the wrong direction, the filter forgotten, the order lost, the wrong positions kept), so a
    /// finding that holds on both worlds is not a property of one task set.
    /// </summary>
    public static readonly IReadOnlyList<TaskFamily> SecondWorldFamilies = [TaskFamily.Descend, TaskFamily.Evens,
        TaskFamily.FirstSeen, TaskFamily.Alternate];

    private readonly IReadOnlyList<TaskFamily> families = families ?? LaptopFamilies;

    public static readonly string[] Digits = [.. Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    public static readonly string[] Letters = [.. Enumerable.Range('a', 26).Select(c => ((char)c).ToString())];

    public WorldTask Next() => Next(families[random.Next(families.Count)]);

    // One case per family: the world's table of tasks.
    public WorldTask Next(TaskFamily family)
    {
        switch (family)
        {
            case TaskFamily.Sort:
            {
                var items = Draw(Digits, random.Next(3, 6));
                return new(family, $"sort : {Join(items)}", Join(items.Order(StringComparer.Ordinal)));
            }
            case TaskFamily.Alphabetize:
            {
                // Over all 26 letters the tiny model's answers asked for 10 / 10 and for 7 / 10 had the same quality (0.54) in round 3.
                var items = Draw(Letters[..12], random.Next(3, 7));
                return new(family, $"alphabetize : {Join(items)}", Join(items.Order(StringComparer.Ordinal)));
            }
            case TaskFamily.Dedupe:
            {
                var items = Draw(Digits[..6], random.Next(4, 8));
                return new(family, $"dedupe : {Join(items)}", Join(items.Distinct().Order(StringComparer.Ordinal)));
            }
            case TaskFamily.Max:
            {
                var items = Draw(Digits, random.Next(3, 7));
                return new(family, $"max : {Join(items)}", items.Max(StringComparer.Ordinal)!);
            }
            case TaskFamily.Reverse:
            {
                var items = Draw(Letters, random.Next(3, 6));
                return new(family, $"reverse : {Join(items)}", Join(items.Reverse()));
            }
            case TaskFamily.Add:
            {
                int a = random.Next(10, 100), b = random.Next(10, 100);
                return new(family, $"add : {Spell(a)} + {Spell(b)}", Spell(a + b));
            }
            case TaskFamily.Count:
            {
                var items = Draw(Letters[..6], random.Next(4, 8));
                var target = items[random.Next(items.Length)];
                return new(family, $"count {target} in : {Join(items)}",
                    items.Count(i => i == target).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            case TaskFamily.Shift:
            {
                var items = Draw(Letters, random.Next(3, 6));
                return new(family, $"shift : {Join(items)}", Join(items.Select(l => Letters[(l[0] - 'a' + 1) % 26])));
            }
            case TaskFamily.Descend:
            {
                var items = Draw(Digits, random.Next(3, 6));
                return new(family, $"descend : {Join(items)}", Join(items.OrderDescending(StringComparer.Ordinal)));
            }
            case TaskFamily.Evens:
            {
                // At least one even and one odd digit, so the answer is neither empty nor the input.
                string[] items;
                do
                    items = Draw(Digits, random.Next(4, 8));
                while (!items.Any(IsEven) || items.All(IsEven));
                return new(family, $"evens : {Join(items)}", Join(items.Where(IsEven)));
            }
            case TaskFamily.FirstSeen:
            {
                var items = Draw(Letters[..8], random.Next(4, 8));
                return new(family, $"first seen : {Join(items)}", Join(items.Distinct()));
            }
            case TaskFamily.Alternate:
            {
                var items = Draw(Letters, random.Next(4, 8));
                return new(family, $"alternate : {Join(items)}", Join(items.Where((_, i) => i % 2 == 0)));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(family), family, null);
        }
    }

    private static bool IsEven(string digit) => (digit[0] - '0') % 2 == 0;

    private string[] Draw(string[] alphabet, int count) => Enumerable.Range(0, count).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray();

    private static string Join(IEnumerable<string> words) => string.Join(' ', words);

    private static string Spell(int number) => Join(number.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => c.ToString()));
}
