namespace OnlyPrompt.Method.Data;

/// <summary>One turn of a conversation, as Hugging Face's chat datasets write it (role system, user or assistant).</summary>
public sealed record Message(string Role, string Content);
