namespace OnlyPrompt.Worlds;

/// <summary>One instruction of the world and its correct answer; both are space-separated words.</summary>
public sealed record WorldTask(TaskFamily Family, string Instruction, string Answer);
