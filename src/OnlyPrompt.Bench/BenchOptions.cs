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
    /// <summary>MLP width; null: 8/3 of the width rounded up to 64, as in Llama.</summary>
    public int? FeedForward { get; init; }
    public bool Tied { get; init; }
    public bool QkvBias { get; init; }
    /// <summary>LoRA rank on every projection (alpha = 2 x rank); null: full fine-tuning.</summary>
    public int? Lora { get; init; }
    public bool Checkpointing { get; init; }
    public bool MixedPrecision { get; init; }
    public string Shape { get; init; } = "custom";

    /// <summary>Named model shapes: the tiny default, the d768 one of the platform notes, and Qwen2.5-0.5B's.</summary>
    public static BenchOptions ForShape(BenchOptions options, string shape) => shape switch
    {
        "tiny" => options with { Shape = shape, Dim = 256, Layers = 4, Heads = 4, KvHeads = 2, Vocab = 512, FeedForward = null,
            Tied = false, QkvBias = false },
        "d768" => options with { Shape = shape, Dim = 768, Layers = 6, Heads = 12, KvHeads = 4, Vocab = 32000, FeedForward = null,
            Tied = false, QkvBias = false },
        "qwen2.5-0.5b" => options with { Shape = shape, Dim = 896, Layers = 24, Heads = 14, KvHeads = 2, Vocab = 151936, FeedForward = 4864,
            Tied = true, QkvBias = true },
        _ => throw new ArgumentException($"--shape: '{shape}' is not one of tiny, d768, qwen2.5-0.5b."),
    };

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
                "--ff" => options with { FeedForward = Int() },
                "--shape" => ForShape(options, Value()),
                "--lora" => options with { Lora = Int() },
                "--checkpointing" => options with { Checkpointing = true },
                "--mixed-precision" => options with { MixedPrecision = true },
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
        IntermediateSize = FeedForward ?? (Dim * 8 / 3 + 63) / 64 * 64,
        NumHiddenLayers = Layers,
        NumAttentionHeads = Heads,
        NumKeyValueHeads = KvHeads,
        HeadDim = Dim / Heads,
        MaxPositionEmbeddings = Math.Max(PromptLength + NewTokens, Sequence),
        RopeTheta = 10000,
        TieWordEmbeddings = Tied,
        AttentionQkvBias = QkvBias,
    };
}
