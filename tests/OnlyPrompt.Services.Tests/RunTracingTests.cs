using System.Collections.Concurrent;
using System.Diagnostics;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests;

/// <summary>The Orchestrator's spans as a dashboard shows them: the run, a span per round, and each stage under its round.</summary>
public sealed class RunTracingTests : OwnStorage
{
    [Fact]
    public async Task A_run_is_traced_as_its_rounds_and_each_stage_under_its_round()
    {
        var spans = new ConcurrentBag<Activity>();
        // Read first: the listener is asked about every source as it is made, this one included.
        var orchestrator = OrchestratorTelemetry.Source.Name;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == orchestrator,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var client = new OrchestratorClient((await StartStackAsync()).Channel);
        var spec = await Runs.SmokeAsync(Store, seed: 6);
        spec.Rounds.RemoveAt(2);

        await client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = "traced" });
        var run = await Runs.WatchToEndAsync(client, "traced", TimeSpan.FromMinutes(5));

        Assert.True(run.State == RunState.Succeeded, run.Error);
        var root = spans.Single(s => s.OperationName == "run" && (string?)s.GetTagItem("onlyprompt.run") == "traced");
        Activity Span(string name) => spans.Single(s => s.OperationName == name && s.TraceId == root.TraceId);
        foreach (var name in new[] { "prepare", "initialise", "sft", "init/evaluate", "report" })
            Assert.Equal(root.SpanId, Span(name).ParentSpanId);
        foreach (var round in new[] { 1, 2 })
        {
            var roundSpan = Span($"round {round}");
            Assert.Equal(root.SpanId, roundSpan.ParentSpanId);
            Assert.Equal(spec.Rounds[round - 1].RejectedScore, roundSpan.GetTagItem("onlyprompt.rejected_score"));
            foreach (var stage in new[] { "sample", "filter", "train", "evaluate" })
                Assert.Equal(roundSpan.SpanId, Span($"round-{round}/{stage}").ParentSpanId);
        }
    }
}
