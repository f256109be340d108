using OnlyPrompt.Method.Data;
using OnlyPrompt.Method.Filtering;
using Contract = OnlyPrompt.Common.V1;
using FilterContract = OnlyPrompt.Filter.V1;

namespace OnlyPrompt.Services;

/// <summary>
/// Between the protobuf contracts and the method's records (templates, filter rules), both ways; no model code, so the Filter and the Orchestrator
/// use it too.
/// </summary>
public static class MethodConversions
{
    public static PromptTemplates ToOptions(this Contract.PromptTemplates t) => new(t.Chosen, t.Rejected);

    public static Contract.PromptTemplates ToContract(this PromptTemplates t) => new() { Chosen = t.Chosen, Rejected = t.Rejected };

    public static FilterOptions ToOptions(this FilterContract.FilterSettings s) => new()
    {
        LeakPatterns = s.LeakPatterns.Count > 0 ? s.LeakPatterns.ToList() : FilterOptions.DefaultLeakPatterns,
        MinWords = s.MinWords > 0 ? s.MinWords : null,
        MaxWords = s.MaxWords > 0 ? s.MaxWords : null,
    };

    public static FilterContract.FilterSettings ToContract(this FilterOptions o)
    {
        var settings = new FilterContract.FilterSettings { MinWords = o.MinWords ?? 0, MaxWords = o.MaxWords ?? 0 };
        if (!ReferenceEquals(o.LeakPatterns, FilterOptions.DefaultLeakPatterns))
            settings.LeakPatterns.AddRange(o.LeakPatterns);
        return settings;
    }
}
