using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using OnlyPrompt.Filter.V1;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Services;

namespace OnlyPrompt.Filter;

/// <summary>The method's filter (docs/method.md) over a pairs file in blob storage.</summary>
public sealed class FilterService(Datasets datasets) : V1.Filter.FilterBase
{
    public static readonly ActivitySource Source = new("OnlyPrompt.Filter");
    private static readonly Meter Meter = new("OnlyPrompt.Filter");
    private static readonly Counter<long> Removed = Meter.CreateCounter<long>("onlyprompt.filter.removed", "{pair}", "Pairs removed, by rule.");

    public override async Task<FilterPairsResponse> FilterPairs(FilterPairsRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors().Blob(request.Pairs, "pairs").Output(request.OutputContainer, request.OutputName);
        var settings = request.Settings ?? new FilterSettings();
        errors.Check(settings.MinWords >= 0 && settings.MaxWords >= 0 && (settings.MaxWords == 0 || settings.MinWords <= settings.MaxWords),
            "settings", $"min_words ({settings.MinWords}) and max_words ({settings.MaxWords}) must be >= 0 with min_words <= max_words.");
        errors.ThrowIfAny();
        PairFilter filter;
        try
        {
            filter = new PairFilter(settings.ToOptions());
        }
        catch (ArgumentException e)
        {
            throw new InvalidFieldsException([$"settings.leak_patterns: {e.Message}"]);
        }

        using var activity = Source.StartActivity("filter pairs");
        var pairs = await datasets.ReadAsync<SampledPair>(request.Pairs, context.CancellationToken);
        var result = filter.Apply(pairs);
        var kept = await datasets.WriteAsync(request.OutputContainer, request.OutputName, result.Kept, context.CancellationToken);
        var response = new FilterPairsResponse { Kept = kept, KeptCount = result.Kept.Count };
        foreach (var (rule, count) in result.Removed)
        {
            response.Removed[rule.ToString()] = count;
            activity?.SetTag($"onlyprompt.removed.{rule}", count);
            Removed.Add(count, new KeyValuePair<string, object?>("rule", rule.ToString()));
        }
        activity?.SetTag("onlyprompt.kept", result.Kept.Count);
        return response;
    }
}
