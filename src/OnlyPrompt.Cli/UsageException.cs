namespace OnlyPrompt.Cli;

/// <summary>The command line is wrong; the message says which argument and why.</summary>
public sealed class UsageException(string message) : Exception(message);
