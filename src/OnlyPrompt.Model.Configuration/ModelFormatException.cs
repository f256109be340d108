namespace OnlyPrompt.Model;

/// <summary>A model, checkpoint or tokenizer file is malformed or unsupported; the message names the file and the problem.</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : FormatException(message, inner);
