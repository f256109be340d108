namespace OnlyPrompt.Storage;

/// <summary>
/// A blob is missing, or its content does not match the hash it is referenced by: either way the content the reference
/// names is not in storage, hence a <see cref="FileNotFoundException"/> (the services report it as FailedPrecondition).
/// </summary>
public sealed class BlobIntegrityException(string message) : FileNotFoundException(message);
