using OnlyPrompt.Model.Configuration;

namespace OnlyPrompt.Bench;

/// <summary>Command-line options shared by every benchmark; unknown flags are refused by name.</summary>
public sealed record BenchOptions
{
    public int Dim { get; init; } = 256;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int Vocab { get; init; } = 512;
    public int Batch { get; init; } = 16;
    public int PromptLength { get; init; } = 32;
    public int NewTokens { get; init; } = 128;
    public int Sequence { get; init; } = 256;
    public bool NoCache { get; init; }
    public string DType { get; init; } = "fp32";
    public int? Threads { get; init; }
    public int Repeats { get; init; } = 3;
    public string Device { get; init; } = "cpu";
    public string Loss { get; init; } = "dpo";
    public bool NoReferenceCache { get; init; }
    public int Steps { get; init; } = 6;

    public static BenchOptions Parse(IEnumerable<string> args)
    {
        var options = new BenchOptions();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var flag = e.Current;
            string Value() => e.MoveNext() ? e.Current : throw new ArgumentException($"{flag} needs a value.");
            int Int() => int.TryParse(Value(), out var v) && v > 0 ? v : throw new ArgumentException($"{flag} needs a positive integer.");
            options = flag switch
            {
                "--dim" => options with { Dim = Int() },
                "--layers" => options with { Layers = Int() },
                "--heads" => options with { Heads = Int() },
                "--kv-heads" => options with { KvHeads = Int() },
                "--vocab" => options with { Vocab = Int() },
                "--batch" => options with { Batch = Int() },
                "--prompt-len" => options with { PromptLength = Int() },
                "--new-tokens" => options with { NewTokens = Int() },
                "--seq" => options with { Sequence = Int() },
                "--no-cache" => options with { NoCache = true },
                "--dtype" => options with { DType = Value() },
                "--threads" => options with { Threads = Int() },
                "--repeats" => options with { Repeats = Int() },
                "--device" => options with { Device = Value() },
                "--loss" => options with { Loss = Value() },
                "--no-ref-cache" => options with { NoReferenceCache = true },
                "--steps" => options with { Steps = Int() },
                _ => throw new ArgumentException($"unknown option '{flag}'."),
            };
        }
        return options;
    }

    /// <summary>A Llama-style model of the requested size; the MLP is 8/3 of the width rounded up to 64, as in Llama.</summary>
    public LlamaConfig ModelConfig() => new()
    {
        VocabSize = Vocab,
        HiddenSize = Dim,
        IntermediateSize = (Dim * 8 / 3 + 63) / 64 * 64,
        NumHiddenLayers = Layers,
        NumAttentionHeads = Heads,
        NumKeyValueHeads = KvHeads,
        HeadDim = Dim / Heads,
        MaxPositionEmbeddings = Math.Max(PromptLength + NewTokens, Sequence),
        RopeTheta = 10000,
    };
}
