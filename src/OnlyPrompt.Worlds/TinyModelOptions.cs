namespace OnlyPrompt.Worlds;

/// <summary>Size of the tiny default model.</summary>
public sealed record TinyModelOptions
{
    public int Dim { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int MaxPositions { get; init; } = 128;
}
