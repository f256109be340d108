namespace OnlyPrompt.Storage;

/// <summary>A blob is missing, or its content does not match the hash it is referenced by.</summary>
public sealed class BlobIntegrityException(string message) : Exception(message);
