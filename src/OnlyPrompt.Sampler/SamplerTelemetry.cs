using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OnlyPrompt.Sampler;

public static class SamplerTelemetry
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Sampler");
    public static readonly Meter Meter = new("OnlyPrompt.Sampler");
    public static readonly Histogram<double> TokensPerSecond = Meter.CreateHistogram<double>("onlyprompt.sampler.tokens_per_second", "{token}/s",
        "New tokens per second of each sampling call.");
    public static readonly Counter<long> Pairs = Meter.CreateCounter<long>("onlyprompt.sampler.pairs", "{pair}", "Chosen/rejected pairs written.");
}
