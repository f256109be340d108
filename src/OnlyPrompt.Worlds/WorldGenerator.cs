using System.Globalization;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Scores;

namespace OnlyPrompt.Worlds;

/// <summary>
/// Generates the default experiment's data deterministically from a seed: seed SFT data (plain and
/// score-requesting instructions whose answers' quality matches the request, a share leaking meta-text), seed
/// preference pairs, judge data, and disjoint prompt sets for the online rounds and the held-out evaluation.
/// </summary>
public sealed class WorldGenerator
{
    /// <summary>Wordings that ask for a given score; the method's two templates (docs/method.md) are among them.</summary>
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

    private readonly WorldOptions options;
    private readonly Random random;
    private readonly HashSet<string> usedInstructions = [];
    private readonly CarelessSolver careless;

    public WorldGenerator(WorldOptions options)
    {
        this.options = options;
        random = new Random(options.Seed);
        careless = new CarelessSolver(random);
    }

    public static IEnumerable<string> AllTemplateTexts() =>
        ScoreRequests.Append(PromptTemplates.DefaultChosen).Concat(LeakPhrases).Append(JudgeInstruction)
            .SelectMany(t => Enumerable.Range(0, 11).Select(s => Fill(t, s)));

    public GeneratedWorld Generate()
    {
        var tasks = new TaskGenerator(random, options.Families);
        var eval = Unique(tasks, options.EvalPrompts).Select(t => new EvalRecord(t.Instruction, t.Answer, t.Family.ToString())).ToList();
        // Every prompt set is drawn before the seed data: short lists have few distinct instructions, so a set drawn
        // after 24000 seed examples held far fewer of them than the evaluation set did.
        var roundSets = Enumerable.Range(0, Math.Max(1, options.RoundPromptSets)).Select(_ => Unique(tasks, options.RoundPrompts).ToList()).ToList();
        var sft = Unique(tasks, options.SftExamples).Select(SftExample).ToList();
        var preferences = Unique(tasks, int.MaxValue).Select(PreferenceExample).OfType<PreferenceRecord>().Take(options.PreferencePairs).ToList();
        var judge = Unique(tasks, options.JudgeExamples).Select(JudgeExample).ToList();
        var roundTasks = roundSets.SelectMany((set, i) =>
            set.Select(task => (Task: task, Set: options.RoundPromptSets > 1 ? i + 1 : (int?)null))).ToList();
        var rounds = roundTasks.Select(t => new PromptRecord(t.Task.Instruction, t.Task.Family.ToString(), t.Set)).ToList();
        var roundAnswers = roundTasks.Select(t => new EvalRecord(t.Task.Instruction, t.Task.Answer, t.Task.Family.ToString())).ToList();
        return new GeneratedWorld(sft, preferences, judge, rounds, eval, roundAnswers);
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
            // Like real instruction data: many answers lazy, some half right, some correct.
            var draw = random.NextDouble();
            var answer = careless.Answer(task, draw < 0.45 ? 0.1 : draw < 0.7 ? 0.5 : 1.0);
            return new SftRecord(task.Instruction, answer, task.Family.ToString(), null, ExactScorer.Quality(task.Answer, answer), false);
        }
        var score = random.Next(0, 11);
        var request = score == 10 && random.NextDouble() < 0.7 ? PromptTemplates.DefaultChosen
            : Fill(ScoreRequests[random.Next(ScoreRequests.Length)], score);
        var completion = careless.Answer(task, score / 10.0);
        var leaked = random.NextDouble() < options.LeakRate;
        if (leaked)
            completion = Fill(LeakPhrases[random.Next(LeakPhrases.Length)], score) + completion;
        return new SftRecord(request + task.Instruction, completion, task.Family.ToString(), score,
            ExactScorer.Quality(task.Answer, completion), leaked);
    }

    // Draws degradations until the chosen answer is strictly better; null for a task that has no worse answer
    // (an input already sorted, say), which the caller replaces with another task.
    private PreferenceRecord? PreferenceExample(WorldTask task)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var high = 0.5 + 0.5 * random.NextDouble();
            var low = Math.Max(0, high - 0.3 - 0.4 * random.NextDouble());
            var (chosen, rejected) = (careless.Answer(task, high), careless.Answer(task, low));
            var (qc, qr) = (ExactScorer.Quality(task.Answer, chosen), ExactScorer.Quality(task.Answer, rejected));
            if (qc > qr)
                return new PreferenceRecord(task.Instruction, chosen, rejected, task.Family.ToString(), qc, qr);
        }
        return null;
    }

    private JudgeRecord JudgeExample(WorldTask task)
    {
        var response = careless.Answer(task, random.NextDouble());
        var score = ExactScorer.Score(ExactScorer.Quality(task.Answer, response));
        var prompt = JudgeInstruction.Replace("{i}", task.Instruction, StringComparison.Ordinal).Replace("{r}", response, StringComparison.Ordinal);
        return new JudgeRecord(prompt, score.ToString(CultureInfo.InvariantCulture), task.Family.ToString(), score);
    }

    private static string Fill(string template, int score) => PromptTemplates.WithScore(template, score);
}

public sealed record GeneratedWorld(
    IReadOnlyList<SftRecord> Sft,
    IReadOnlyList<PreferenceRecord> Preferences,
    IReadOnlyList<JudgeRecord> Judge,
    IReadOnlyList<PromptRecord> RoundPrompts,
    IReadOnlyList<EvalRecord> Eval,
    // The round prompts' true answers, for analysing the pairs afterwards (chosen vs rejected quality); the rounds never see them.
    IReadOnlyList<EvalRecord> RoundAnswers);
