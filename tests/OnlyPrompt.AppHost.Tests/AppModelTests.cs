using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using OnlyPrompt.NativeMemory;

namespace OnlyPrompt.AppHost.Tests;

/// <summary>The AppHost's application model as built, before anything starts.</summary>
public sealed class AppModelTests
{
    // The services cannot re-run themselves with MallocTuning's variables as the benchmark does; the AppHost must set them.
    [Theory]
    [InlineData("sampler")]
    [InlineData("trainer")]
    [InlineData("evaluator")]
    [InlineData("orchestrator")]
    public async Task Every_service_that_runs_models_starts_with_the_allocator_settings(string service)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var data = new TempDirectory();
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.OnlyPrompt_AppHost>(
            [$"--OnlyPrompt:DataDirectory={data.Path}"], timeout.Token);
        var resource = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == service);

        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(builder.ExecutionContext, resource, environment, timeout.Token);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
            await callback.Callback(context);

        foreach (var (name, value) in MallocTuning.Variables)
            Assert.True(environment.TryGetValue(name, out var set) && Equals(set, value),
                $"{service}: {name} is {(environment.TryGetValue(name, out var found) ? found : "not set")}, MallocTuning says {value}.");
    }
}
