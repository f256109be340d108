using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OnlyPrompt.Orchestrator;

/// <summary>Spans run -> round -> stage (the services' spans join them through the gRPC calls), and run-level metrics.</summary>
public static class OrchestratorTelemetry
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Orchestrator");
    public static readonly Meter Meter = new("OnlyPrompt.Orchestrator");
    public static readonly Counter<long> StagesCommitted = Meter.CreateCounter<long>("onlyprompt.orchestrator.stages_committed", "{stage}",
        "Stages committed to run manifests.");
    public static readonly Histogram<double> PairsPerSecond = Meter.CreateHistogram<double>("onlyprompt.orchestrator.pairs_per_second", "{pair}/s",
        "Pairs sampled per second of each sample stage.");
    public static readonly Histogram<double> StageSeconds = Meter.CreateHistogram<double>("onlyprompt.orchestrator.stage_duration", "s",
        "Wall time of each stage.");
}
