using System.Diagnostics;
using Grpc.Core;
using OnlyPrompt.Answering;
using OnlyPrompt.Common.V1;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Sampler.V1;
using OnlyPrompt.Services;

namespace OnlyPrompt.Sampler;

/// <summary>Chosen/rejected pairs (the only-prompting labeller) and plain answers, written to blob storage.</summary>
public sealed class SamplerService(ModelStore models, Datasets datasets, ComputeGate gate, IHttpClientFactory http,
    RemoteGenerationSettings? remote = null) : V1.Sampler.SamplerBase
{
    public override async Task SamplePairs(SamplePairsRequest request, IServerStreamWriter<SamplePairsEvent> responses, ServerCallContext context)
    {
        var errors = new FieldErrors().Checkpoint(request.Policy, "policy").Blob(request.Prompts, "prompts")
            .Sampling(request.Sampling, "sampling").Output(request.OutputContainer, request.OutputName);
        if (request.SelfJudge is null)
            errors.Templates(request.Templates, "templates")
                .Problem("rejected_score", Method.Data.PromptTemplates.RejectedScoreProblem(request.RejectedScore));
        else
            errors.SelfJudge(request.SelfJudge, "self_judge");
        errors.Check(request.Round >= 0, "round", $"is {request.Round}; it must be 0 (every prompt) or a round number.");
        errors.ThrowIfAny();
        var cancellation = context.CancellationToken;
        using var activity = SamplerTelemetry.Source.StartActivity("sample pairs");
        activity?.SetTag("onlyprompt.rejected_score", request.RejectedScore);

        IReadOnlyList<PromptRecord> prompts = await datasets.ReadAsync<PromptRecord>(request.Prompts, cancellation);
        if (request.Round > 0)
            prompts = RoundPromptSets.ForRound(prompts, request.Round, request.Prompts.Describe());
        var progress = new ProgressStream<SamplePairsEvent>(responses);
        var clock = Stopwatch.StartNew();
        var (pairs, judged, tokens) = await gate.RunAsync(() => WithAnswerer(request.Policy, model =>
        {
            IReadOnlyList<SampledPair> sampled;
            SelfJudgeStats? stats = null;
            if (request.SelfJudge is { } judge)
            {
                var total = 2L * judge.SamplesPerPrompt * prompts.Count; // answers, then their judgements
                (sampled, stats) = new SelfJudgePairSampler(model, judge.JudgeTemplate, judge.SamplesPerPrompt, request.Sampling.BatchSizeOrDefault())
                    .Sample(prompts, request.Sampling.ToOptions(), request.IdPrefix,
                        done => progress.Report(new SamplePairsEvent { Progress = new Progress { Done = done, Total = total } }));
            }
            else
                sampled = new PairSampler(model, request.Templates.ToOptions(), request.Sampling.BatchSizeOrDefault())
                    .Sample(prompts, request.RejectedScore, request.Sampling.ToOptions(), request.IdPrefix,
                        done => progress.Report(new SamplePairsEvent { Progress = new Progress { Done = done, Total = 2L * prompts.Count } }));
            return (sampled, stats, model.GeneratedTokens);
        }, cancellation), cancellation);
        var written = await datasets.WriteAsync(request.OutputContainer, request.OutputName, pairs, cancellation);
        var tokensPerSecond = tokens / clock.Elapsed.TotalSeconds;
        SamplerTelemetry.TokensPerSecond.Record(tokensPerSecond);
        SamplerTelemetry.Pairs.Add(pairs.Count);
        activity?.SetTag("onlyprompt.pairs", pairs.Count);
        await progress.FlushAsync(cancellation);
        var result = new SamplePairsResult { Pairs = written, Count = pairs.Count, TokensPerSecond = tokensPerSecond };
        if (judged is not null)
        {
            result.JudgeGrades.Add(judged.ScoreCounts.ToDictionary());
            (result.Unjudged, result.Unpaired) = (judged.Unjudged, judged.Unpaired);
            activity?.SetTag("onlyprompt.unpaired", judged.Unpaired);
        }
        await responses.WriteAsync(new SamplePairsEvent { Result = result }, cancellation);
    }

    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerateEvent> responses, ServerCallContext context)
    {
        new FieldErrors().Checkpoint(request.Model, "model").Blob(request.Prompts, "prompts").Sampling(request.Sampling, "sampling")
            .Output(request.OutputContainer, request.OutputName).ThrowIfAny();
        var cancellation = context.CancellationToken;
        using var activity = SamplerTelemetry.Source.StartActivity("generate");
        var prompts = await datasets.ReadAsync<PromptRecord>(request.Prompts, cancellation);
        var progress = new ProgressStream<GenerateEvent>(responses);
        var clock = Stopwatch.StartNew();
        var answers = await gate.RunAsync(() => WithAnswerer(request.Model, model =>
            model.Answer([.. prompts.Select(p => new ChatPrompt(p.Prompt, p.Context))], request.Sampling.ToOptions(),
                request.Sampling.BatchSizeOrDefault(),
                done => progress.Report(new GenerateEvent { Progress = new Progress { Done = done, Total = prompts.Count } })),
                    cancellation), cancellation);
        var records = prompts.Select((p, i) => new CompletionRecord(p.Prompt, answers[i].Text.Trim(), answers[i].Finished)).ToList();
        var written = await datasets.WriteAsync(request.OutputContainer, request.OutputName, records, cancellation);
        var tokensPerSecond = answers.Count == 0 ? 0 : answers.Sum(a => (long)a.Tokens.Length) / clock.Elapsed.TotalSeconds;
        SamplerTelemetry.TokensPerSecond.Record(tokensPerSecond);
        await progress.FlushAsync(cancellation);
        await responses.WriteAsync(new GenerateEvent { Result = new GenerateResult { Completions = written, Count = records.Count,
            TokensPerSecond = tokensPerSecond } }, cancellation);
    }

    /// <summary>Runs <paramref name="work"/> with the policy loaded here, or with the remote server when one is configured.</summary>
    private T WithAnswerer<T>(CheckpointRef policy, Func<IAnswerer, T> work, CancellationToken cancellation)
    {
        if (remote is not null)
        {
            Activity.Current?.SetTag("onlyprompt.generation", remote.BaseUrl.ToString());
            return work(remote.Answerer(http.CreateOpenAiClient(), policy, cancellation));
        }
        using var model = models.LoadForInferenceAsync(policy, cancellation).GetAwaiter().GetResult();
        return work(new LocalAnswerer(model));
    }
}

/// <summary>A plain answer as Generate writes it.</summary>
public sealed record CompletionRecord(string Prompt, string Completion, bool Finished);
