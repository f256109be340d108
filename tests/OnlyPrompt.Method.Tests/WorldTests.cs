using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Method.Scores;
using OnlyPrompt.Model;
using OnlyPrompt.Model.Checkpoints;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Method.Tests;

public class WorldTests
{
    private static readonly WorldOptions Small = new() { Seed = 4, SftExamples = 600, PreferencePairs = 100, JudgeExamples = 50,
        RoundPrompts = 60, EvalPrompts = 40 };

    [Fact]
    public void TheExactScorerGivesPartialCreditAndChargesExtraText()
    {
        Assert.Equal(1.0, ExactScorer.Quality("2 4 7", "2 4 7"));
        Assert.Equal(2.0 / 3, ExactScorer.Quality("2 4 7", "2 9 7"), 9);           // one substitution in three words
        Assert.Equal(0.5, ExactScorer.Quality("2 4 7", "2 4 7 1 1 1"), 9);         // three extra words in six
        Assert.Equal(3.0 / 11, ExactScorer.Quality("2 4 7", "Here is a 10 - score answer : 2 4 7"), 9); // 8 extra words in 11
        Assert.Equal(0.0, ExactScorer.Quality("2 4 7", ""));
        Assert.Equal(7, ExactScorer.Score(2.0 / 3));
    }

    [Theory]
    [InlineData(TaskFamily.Sort)]
    [InlineData(TaskFamily.Alphabetize)]
    [InlineData(TaskFamily.Dedupe)]
    [InlineData(TaskFamily.Max)]
    [InlineData(TaskFamily.Reverse)]
    [InlineData(TaskFamily.Add)]
    [InlineData(TaskFamily.Count)]
    [InlineData(TaskFamily.Shift)]
    [InlineData(TaskFamily.Descend)]
    [InlineData(TaskFamily.Evens)]
    [InlineData(TaskFamily.FirstSeen)]
    [InlineData(TaskFamily.Alternate)]
    public void EveryFamilysAnswerIsCorrect(TaskFamily family)
    {
        var task = new TaskGenerator(new Random(1)).Next(family);
        var words = task.Instruction.Split(' ');
        var items = words.SkipWhile(w => w != ":").Skip(1).ToArray();
        var expected = family switch
        {
            TaskFamily.Sort or TaskFamily.Alphabetize => string.Join(' ', items.Order(StringComparer.Ordinal)),
            TaskFamily.Dedupe => string.Join(' ', items.Distinct().Order(StringComparer.Ordinal)),
            TaskFamily.Max => items.Max(StringComparer.Ordinal)!,
            TaskFamily.Reverse => string.Join(' ', items.Reverse()),
            TaskFamily.Add => string.Join(' ', (int.Parse(string.Concat(items.TakeWhile(w => w != "+")))
                + int.Parse(string.Concat(items.SkipWhile(w => w != "+").Skip(1)))).ToString().ToCharArray()),
            TaskFamily.Count => items.Count(i => i == words[1]).ToString(),
            TaskFamily.Descend => string.Join(' ', items.OrderDescending(StringComparer.Ordinal)),
            TaskFamily.Evens => string.Join(' ', items.Where(d => "02468".Contains(d))),
            TaskFamily.FirstSeen => string.Join(' ', items.Distinct()),
            TaskFamily.Alternate => string.Join(' ', items.Where((_, i) => i % 2 == 0)),
            TaskFamily.Shift => string.Join(' ', items.Select(l => ((char)((l[0] - 'a' + 1) % 26 + 'a')).ToString())),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };
        Assert.Equal(expected, task.Answer);
    }

    [Fact]
    public void GenerationIsDeterministicAndSplitsAreDisjoint()
    {
        var first = new WorldGenerator(Small).Generate();
        var second = new WorldGenerator(Small).Generate();
        Assert.Equal(first.Sft, second.Sft);
        Assert.Equal(first.Eval, second.Eval);
        var eval = first.Eval.Select(r => r.Prompt).ToHashSet();
        var rounds = first.RoundPrompts.Select(r => r.Prompt).ToHashSet();
        Assert.Empty(eval.Intersect(rounds));
        Assert.DoesNotContain(first.Sft, r => eval.Contains(StripRequest(r.Prompt)) || rounds.Contains(StripRequest(r.Prompt)));
        Assert.DoesNotContain(first.Preferences, r => eval.Contains(r.Prompt) || rounds.Contains(r.Prompt));
        Assert.NotEqual(first.Sft, new WorldGenerator(Small with { Seed = 5 }).Generate().Sft);
    }

    [Fact]
    public void EachRoundSamplesItsOwnPromptSetAndLaterRoundsCycle()
    {
        var world = new WorldGenerator(Small with { RoundPromptSets = 3 }).Generate();
        Assert.Equal(3 * Small.RoundPrompts, world.RoundPrompts.Count);
        Assert.Equal(world.RoundPrompts.Count, world.RoundPrompts.Select(p => p.Prompt).Distinct().Count());
        var sets = Enumerable.Range(1, 4).Select(round => RoundPromptSets.ForRound(world.RoundPrompts, round)).ToList();
        Assert.All(sets, set => Assert.Equal(Small.RoundPrompts, set.Count));
        Assert.Equal([1, 2, 3, 1], sets.Select(set => set.Select(p => p.Set).Distinct().Single()!.Value));
        // The held-out set and the first set do not depend on the number of sets.
        var single = new WorldGenerator(Small with { RoundPromptSets = 1 }).Generate();
        Assert.Equal(single.RoundPrompts.Select(p => p.Prompt), sets[0].Select(p => p.Prompt));
        Assert.All(single.RoundPrompts, p => Assert.Null(p.Set));
        Assert.Equal(single.Eval, world.Eval);
        Assert.Same(single.RoundPrompts, RoundPromptSets.ForRound(single.RoundPrompts, 2));
    }

    [Fact]
    public void EveryPromptSetHasTheHeldOutSetsMixOfListLengths()
    {
        // Sets drawn after the seed data had 2-3% three-item lists against 19% in the held-out set (short lists have few
        // distinct instructions, and the seed data had used them up), so rounds 2 and 3 trained on harder prompts.
        var world = new WorldGenerator(new WorldOptions { Seed = 2, Families = [TaskFamily.Sort, TaskFamily.Alphabetize] }).Generate();
        static double ShortShare(IEnumerable<string> prompts) => prompts.Average(p => p.Split(" : ")[1].Split(' ').Length == 3 ? 1.0 : 0.0);
        var heldOut = ShortShare(world.Eval.Select(r => r.Prompt));
        for (var round = 1; round <= 3; round++)
            Assert.InRange(ShortShare(RoundPromptSets.ForRound(world.RoundPrompts, round).Select(p => p.Prompt)), heldOut - 0.08, heldOut + 0.08);
    }

    [Fact]
    public void APromptSetBelowOneOrARoundWithoutPromptsIsRefusedNamingTheFile()
    {
        var zero = Assert.Throws<InvalidDataException>(() =>
            RoundPromptSets.ForRound([new("sort : 1 2", "Sort", 1), new("max : 1 2", "Max", 0)], 1, "c/prompts.jsonl"));
        Assert.Equal("c/prompts.jsonl, line 2: set is 0; prompt sets are numbered from 1.", zero.Message);
        var gap = Assert.Throws<InvalidDataException>(() =>
            RoundPromptSets.ForRound([new("sort : 1 2", "Sort", 1), new("max : 1 2", "Max", 3)], 2, "c/prompts.jsonl"));
        Assert.Contains("round 2 samples prompt set 2 of 3", gap.Message);
    }

    private static string StripRequest(string prompt)
    {
        foreach (var family in new[] { "sort", "alphabetize", "dedupe", "max", "reverse", "add", "count", "shift", "descend", "evens",
            "first seen", "alternate" })
            if (prompt.IndexOf(family + " ", StringComparison.Ordinal) is var at and >= 0)
                return prompt[at..];
        return prompt;
    }

    [Fact]
    public void SeedAnswersQualityRisesWithTheRequestedScoreAndSomeLeak()
    {
        var world = new WorldGenerator(Small).Generate();
        var byScore = world.Sft.Where(r => r.RequestedScore is not null && !r.Leaked).GroupBy(r => r.RequestedScore!.Value)
            .OrderBy(g => g.Key).Select(g => g.Average(r => r.Quality)).ToArray();
        Assert.Equal(11, byScore.Length);
        Assert.True(byScore[10] > byScore[5] && byScore[5] > byScore[0], string.Join(" ", byScore));
        Assert.Contains(world.Sft, r => r.RequestedScore is null);
        Assert.Contains(world.Sft, r => r.Prompt.StartsWith(PromptTemplates.DefaultChosen, StringComparison.Ordinal));
        Assert.Contains(world.Sft, r => r.Prompt.StartsWith("Please produce a good response that merits a perfect score of 3 out of 10. ",
            StringComparison.Ordinal));
        var leaked = world.Sft.Where(r => r.Leaked).ToList();
        Assert.InRange(leaked.Count, 10, 80);
        var filter = new PairFilter(new FilterOptions());
        Assert.All(leaked, r => Assert.True(filter.Leaks(r.Completion), r.Completion));
        Assert.DoesNotContain(world.Sft, r => !r.Leaked && filter.Leaks(r.Completion));
        Assert.All(world.Preferences, p => Assert.True(p.ChosenQuality > p.RejectedQuality));
    }

    [Fact]
    public void TheSecondWorldHasItsOwnTasksAndItsSeedAnswersFollowTheRequestedScore()
    {
        var world = new WorldGenerator(Small with { SftExamples = 8000, Families = TaskGenerator.SecondWorldFamilies }).Generate();
        Assert.All(world.Eval, r => Assert.Contains(r.Family, TaskGenerator.SecondWorldFamilies.Select(f => f.ToString())));
        Assert.DoesNotContain(world.Sft, r => TaskGenerator.LaptopFamilies.Any(f => f.ToString() == r.Family));
        foreach (var family in TaskGenerator.SecondWorldFamilies)
        {
            var asked = world.Sft.Where(r => r.Family == family.ToString() && r.RequestedScore is not null && !r.Leaked).ToList();
            var byScore = Enumerable.Range(0, 11).Select(s => asked.Where(r => r.RequestedScore == s).Average(r => r.Quality)).ToArray();
            Assert.Equal(1.0, byScore[10]);
            for (var score = 5; score <= 9; score++)
                Assert.InRange(byScore[score], score / 10.0 - 0.12, score / 10.0 + 0.12);
            Assert.True(byScore[0] < byScore[5], $"{family}: {string.Join(" ", byScore.Select(q => q.ToString("F2")))}");
        }
        Assert.All(world.Preferences, p => Assert.True(p.ChosenQuality > p.RejectedQuality));
    }

    [Fact]
    public void ALazyOneWordAnswerIsWrongUnlessNoWrongOneExists()
    {
        // A lazy count of 1 was right in about half of the tasks, so asking for a low score gave better counts.
        var world = new WorldGenerator(Small with { SftExamples = 3000, Families = [TaskFamily.Count, TaskFamily.Max] }).Generate();
        var lazy = world.Sft.Where(r => r.Family is nameof(TaskFamily.Count) or nameof(TaskFamily.Max)
            && r.RequestedScore == 0 && !r.Leaked).ToList();
        Assert.Contains(lazy, r => r.Family == nameof(TaskFamily.Count));
        Assert.Contains(lazy, r => r.Family == nameof(TaskFamily.Max));
        Assert.All(lazy, r => Assert.True(r.Quality == 0 || r.Prompt.Split(" : ")[^1].Split(' ').Distinct().Count() == 1, r.Prompt
            + " -> " + r.Completion));
    }

    [Fact]
    public void AListAnswerAskedForAScoreHasAboutThatQualityWhateverItsLength()
    {
        // Leaving the last items of a short list "unsorted" often left them sorted: 92% of the sort answers asked for
        // 7 / 10 were perfect, so the rounds' rejected answers at scores 5 and 7 were mostly their chosen ones.
        var world = new WorldGenerator(Small with { SftExamples = 6000 }).Generate();
        var lists = world.Sft.Where(r => r.Family is nameof(TaskFamily.Sort) or nameof(TaskFamily.Alphabetize) or nameof(TaskFamily.Dedupe)
            && r.RequestedScore is not null && !r.Leaked).ToList();
        for (var score = 5; score <= 10; score++)
        {
            var asked = lists.Where(r => r.RequestedScore == score).ToList();
            Assert.InRange(asked.Average(r => r.Quality), score / 10.0 - 0.07, score / 10.0 + 0.07);
            if (score <= 8)
                Assert.DoesNotContain(asked, r => r.Quality == 1);
        }
    }

    [Fact]
    public void OneTaskAskedForOneScoreAlwaysGetsTheSameAnswer()
    {
        // With a random error per answer, the likeliest answer to "write a 7 / 10 answer" was the correct one, so
        // low-temperature sampling asked for 5 or 7 gave nearly 10 / 10 answers and the rounds' pairs lost their signal.
        var tasks = new TaskGenerator(new Random(3), [TaskFamily.Sort, TaskFamily.Alphabetize, TaskFamily.Dedupe, TaskFamily.Max, TaskFamily.Count]);
        var (first, second) = (new CarelessSolver(new Random(1)), new CarelessSolver(new Random(2)));
        for (var i = 0; i < 200; i++)
        {
            var task = tasks.Next();
            for (var score = 0; score <= 10; score++)
                Assert.Equal(first.Answer(task, score / 10.0), second.Answer(task, score / 10.0));
        }
    }

    [Theory]
    [InlineData(TaskFamily.Max)]
    [InlineData(TaskFamily.Count)]
    public void AOneWordAnswerIsRightMoreOftenTheHigherTheScoreAskedFor(TaskFamily family)
    {
        var tasks = new TaskGenerator(new Random(5));
        var solver = new CarelessSolver(new Random(5));
        var sample = Enumerable.Range(0, 400).Select(_ => tasks.Next(family)).ToList();
        var rightShare = new[] { 0, 3, 5, 7, 10 }.Select(score =>
            sample.Average(t => ExactScorer.Quality(t.Answer, solver.Answer(t, score / 10.0)))).ToArray();
        Assert.True(rightShare.Zip(rightShare[1..]).All(pair => pair.First < pair.Second), string.Join(" ", rightShare));
        Assert.Equal(1.0, rightShare[^1]);
    }

    [Fact]
    public void TheBaseModelIsAHuggingFaceCheckpointWithAZephyrTemplate()
    {
        using var dir = new TempDirectory();
        var world = new WorldGenerator(Small).Generate();
        BaseModelWriter.Write(dir.File("config"), new TinyModelOptions { Dim = 32, Layers = 1 },
            world.Sft.SelectMany(r => new[] { r.Prompt, r.Completion }));
        Assert.False(File.Exists(dir.File("config/model.safetensors")), "the weights are initialised where libtorch runs");
        LlamaCheckpoint.SaveInitialised(dir.File("config"), dir.File("model"), seed: 1);
        using var model = PretrainedModel.Load(dir.File("model"));
        Assert.False(model.Template.IsPlain);
        Assert.Equal("<|user|>\nsort : b a</s>\n<|assistant|>\n", model.Template.RenderUser("sort : b a"));
        Assert.Equal("</s>", model.Template.EndOfTurn);
        Assert.Equal([1], model.StopTokenIds);
        var prompt = model.Template.RenderUser(PromptTemplates.DefaultChosen + world.Eval[0].Prompt);
        var ids = model.Tokenizer.Encode(prompt, addSpecialTokens: false);
        Assert.DoesNotContain(0, ids); // no unknown words
        Assert.Equal("<|user|> Please produce a top - notch response that merits a perfect score of 10 out of 10 . " + world.Eval[0].Prompt
            + " </s> <|assistant|>",
            model.Tokenizer.Decode(ids));
    }

    [Fact]
    public void JsonLinesRoundTripAndNameTheBadLine()
    {
        using var dir = new TempDirectory();
        var world = new WorldGenerator(Small).Generate();
        JsonLines.Write(dir.File("sft.jsonl"), world.Sft);
        Assert.Equal(world.Sft, JsonLines.Read<SftRecord>(dir.File("sft.jsonl")));
        var first = File.ReadLines(dir.File("sft.jsonl")).First();
        Assert.Contains("\"prompt\":", first);
        Assert.Contains("\"completion\":", first);
        Assert.Contains("\"requested_score\":", first);
        File.WriteAllLines(dir.File("bad.jsonl"), [first, "{\"prompt\": \"x\", \"completion\": ", first]);
        var error = Assert.Throws<InvalidDataException>(() => JsonLines.Read<SftRecord>(dir.File("bad.jsonl")));
        Assert.Contains("bad.jsonl, line 2", error.Message);
    }
}
