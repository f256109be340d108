namespace OnlyPrompt.Orchestrator;

/// <summary>The Orchestrator's settings (configuration section <c>OnlyPrompt</c>), bound and validated at start-up.</summary>
public sealed class OrchestratorOptions
{
    public const string Section = "OnlyPrompt";

    /// <summary>When set, every call must carry it in the <c>x-api-key</c> header; required to listen beyond loopback.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Resume every unfinished run from its last committed stage when the Orchestrator starts.</summary>
    public bool ResumeOnStart { get; set; } = true;

    /// <summary>Worker addresses by service name; absent ones come from service discovery (<c>http://sampler</c>, set by the AppHost).</summary>
    public Dictionary<string, Uri> Services { get; set; } = [];

    public Uri Address(string service) => Services.GetValueOrDefault(service) ?? new Uri($"http://{service}");
}

/// <summary>How calls to a restarting service are retried (configuration section <c>OnlyPrompt:Retry</c>).</summary>
public sealed class RetryOptions
{
    public const string Section = "OnlyPrompt:Retry";

    public int Attempts { get; set; } = 8;
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>The deadline of one call; long streams (training) run within it.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromHours(6);
}
