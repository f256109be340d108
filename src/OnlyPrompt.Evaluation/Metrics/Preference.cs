namespace OnlyPrompt.Evaluation.Metrics;

/// <summary>
/// One example of a head-to-head comparison: how much the model's answer is preferred over the baseline's
/// (1 win, 0 loss, 0.5 tie, or a judge's probability in between), both answers' lengths, and the instruction, which
/// names the example across models (<see cref="InstructionDifficulty"/>).
/// </summary>
public sealed record Preference(double ModelWins, int ModelLength, int BaselineLength, string Instruction = "")
{
    public static double FromOutcome(int comparison) => comparison switch { > 0 => 1, < 0 => 0, _ => 0.5 };
}
