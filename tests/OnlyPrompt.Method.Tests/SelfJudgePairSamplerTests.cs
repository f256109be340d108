using OnlyPrompt.Answering;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Model.Generation;
using OnlyPrompt.Settings;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Method.Tests;

/// <summary>
/// The self-rewarding labeller's pairing rule. The smoke model's judge grades nothing readably, so the services
/// test cannot show a pair being made; here the answers and grades are given.
/// </summary>
public class SelfJudgePairSamplerTests
{
    // Answers each prompt with "<prompt> #k" for its k-th sample, and grades a response with the digits after its '#'
    // read from the table of grades (a missing entry gives an unreadable grade).
    private sealed class GivenAnswers(Dictionary<string, string> grades) : IAnswerer
    {
        private readonly Dictionary<string, int> asked = [];

        public long GeneratedTokens => 0;

        public IReadOnlyList<GeneratedText> Answer(IReadOnlyList<ChatPrompt> prompts, SamplingOptions options, int batchSize,
            Action<int>? answered = null) =>
            [.. prompts.Select(prompt => new GeneratedText(Reply(prompt.Instruction), [], FinishReason.EndOfSequence))];

        private string Reply(string instruction)
        {
            if (instruction.StartsWith("Grade", StringComparison.Ordinal))
                return grades.GetValueOrDefault(instruction[(instruction.IndexOf("response : ", StringComparison.Ordinal) + 11)..], "no grade");
            asked[instruction] = asked.GetValueOrDefault(instruction) + 1;
            return $"{instruction} #{asked[instruction]}";
        }
    }

    [Fact]
    public void TheBestGradedAnswerIsPairedWithTheWorstAndTiesOrUnreadableGradesGiveNoPair()
    {
        var grades = new Dictionary<string, string>
        {
            ["p #1"] = "4", ["p #2"] = "9", ["p #3"] = "2",
            ["q #1"] = "5", ["q #2"] = "5", ["q #3"] = "5",
            ["r #1"] = "7",
        };
        var sampler = new SelfJudgePairSampler(new GivenAnswers(grades), WorldGenerator.JudgeInstruction, samplesPerPrompt: 3, batchSize: 8);
        var prompts = new[] { "p", "q", "r" }.Select(p => new PromptRecord(p, "Sort", null)).ToList();

        var (pairs, stats) = sampler.Sample(prompts, new SamplingOptions { Temperature = 0.7 }, "r1");

        var pair = Assert.Single(pairs);
        Assert.Equal(("p", "p #2", "p #3", 2), (pair.Prompt, pair.Chosen, pair.Rejected, pair.RejectedScore));
        Assert.Equal((2, 2), (stats.Unpaired, stats.Unjudged));
        Assert.Equal(new Dictionary<int, int> { [2] = 1, [4] = 1, [5] = 3, [7] = 1, [9] = 1 }, stats.ScoreCounts);
    }
}
