using System.Globalization;

namespace OnlyPrompt.Experiment.World;

/// <summary>
/// Generates the default experiment's data deterministically from a seed: seed SFT data (plain and
/// score-requesting instructions whose answers' quality matches the request, a share leaking meta-text), seed
/// preference pairs, judge data, and disjoint prompt sets for the online rounds and the held-out evaluation.
/// </summary>
public sealed class WorldGenerator(WorldOptions options)
{
    /// <summary>Wordings that ask for a given score; METHOD.md's two templates are among them.</summary>
    private static readonly string[] ScoreRequests =
    [
        PromptTemplates.DefaultRejected,
        "Write an answer that deserves {s} out of 10 . ",
        "Give a response worth a score of {s} / 10 . ",
        "Answer at quality level {s} of 10 : ",
    ];

    /// <summary>Meta-text real models leak when asked for a score; {s} is the requested score.</summary>
    public static readonly string[] LeakPhrases =
    [
        "Here is a {s} - score answer : ",
        "Okay , here is a {s} - score answer : ",
        "The {s} - score answer is as follows : ",
        "( score : {s} / 10 ) ",
    ];

    public const string JudgeInstruction = "Grade the response from 0 to 10 . instruction : {i} response : {r}";

    private readonly Random random = new(options.Seed);
    private readonly HashSet<string> usedInstructions = [];

    public static IEnumerable<string> AllTemplateTexts() =>
        ScoreRequests.Append(PromptTemplates.DefaultChosen).Concat(LeakPhrases).Append(JudgeInstruction)
            .SelectMany(t => Enumerable.Range(0, 11).Select(s => Fill(t, s)));

    public GeneratedWorld Generate()
    {
        var tasks = new TaskGenerator(random);
        var eval = Unique(tasks, options.EvalPrompts).Select(t => new EvalRecord(t.Instruction, t.Answer, t.Family.ToString())).ToList();
        var rounds = Unique(tasks, options.RoundPrompts).Select(t => new PromptRecord(t.Instruction, t.Family.ToString())).ToList();
        var sft = Unique(tasks, options.SftExamples).Select(SftExample).ToList();
        var preferences = Unique(tasks, options.PreferencePairs).Select(PreferenceExample).ToList();
        var judge = Unique(tasks, options.JudgeExamples).Select(JudgeExample).ToList();
        return new GeneratedWorld(sft, preferences, judge, rounds, eval);
    }

    // Instructions are never reused across splits, so held-out prompts are really held out.
    private IEnumerable<WorldTask> Unique(TaskGenerator tasks, int count)
    {
        for (var produced = 0; produced < count;)
        {
            var task = tasks.Next();
            if (usedInstructions.Add(task.Instruction))
            {
                produced++;
                yield return task;
            }
        }
    }

    private SftRecord SftExample(WorldTask task)
    {
        if (random.NextDouble() < options.PlainShare)
        {
            var answer = Degrade(task, 0.2 + 0.8 * random.NextDouble());
            return new SftRecord(task.Instruction, answer, task.Family.ToString(), null, ExactScorer.Quality(task.Answer, answer), false);
        }
        var score = random.Next(0, 11);
        var request = score == 10 && random.NextDouble() < 0.5 ? PromptTemplates.DefaultChosen : Fill(ScoreRequests[random.Next(ScoreRequests.Length)], score);
        var completion = Degrade(task, score / 10.0);
        var leaked = random.NextDouble() < options.LeakRate;
        if (leaked)
            completion = Fill(LeakPhrases[random.Next(LeakPhrases.Length)], score) + completion;
        return new SftRecord(request + task.Instruction, completion, task.Family.ToString(), score, ExactScorer.Quality(task.Answer, completion), leaked);
    }

    // Degrading is random, so draw again until the chosen answer is strictly better than the rejected one.
    private PreferenceRecord PreferenceExample(WorldTask task)
    {
        while (true)
        {
            var high = 0.5 + 0.5 * random.NextDouble();
            var low = Math.Max(0, high - 0.3 - 0.4 * random.NextDouble());
            var (chosen, rejected) = (Degrade(task, high), Degrade(task, low));
            var (qc, qr) = (ExactScorer.Quality(task.Answer, chosen), ExactScorer.Quality(task.Answer, rejected));
            if (qc > qr)
                return new PreferenceRecord(task.Instruction, chosen, rejected, task.Family.ToString(), qc, qr);
        }
    }

    private JudgeRecord JudgeExample(WorldTask task)
    {
        var response = Degrade(task, random.NextDouble());
        var score = ExactScorer.Score(ExactScorer.Quality(task.Answer, response));
        var prompt = JudgeInstruction.Replace("{i}", task.Instruction, StringComparison.Ordinal).Replace("{r}", response, StringComparison.Ordinal);
        return new JudgeRecord(prompt, score.ToString(CultureInfo.InvariantCulture), task.Family.ToString(), score);
    }

    /// <summary>The correct answer with about (1 - quality) x length word edits, mostly substitutions.</summary>
    private string Degrade(WorldTask task, double quality)
    {
        var words = ExactScorer.Words(task.Answer).ToList();
        var alphabet = task.Family is TaskFamily.Alphabetize or TaskFamily.Reverse or TaskFamily.Shift ? TaskGenerator.Letters : TaskGenerator.Digits;
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

    private static string Fill(string template, int score) => template.Replace("{s}", score.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}

public sealed record GeneratedWorld(
    IReadOnlyList<SftRecord> Sft,
    IReadOnlyList<PreferenceRecord> Preferences,
    IReadOnlyList<JudgeRecord> Judge,
    IReadOnlyList<PromptRecord> RoundPrompts,
    IReadOnlyList<EvalRecord> Eval);
