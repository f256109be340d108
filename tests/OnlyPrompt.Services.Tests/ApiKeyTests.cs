using Grpc.Core;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OrchestratorClient = OnlyPrompt.Orchestrator.V1.Orchestrator.OrchestratorClient;

namespace OnlyPrompt.Services.Tests;

[Collection(ServiceStackCollection.Name)]
public sealed class ApiKeyTests(ServiceStack stack)
{
    [Fact]
    public async Task An_orchestrator_with_an_api_key_refuses_calls_without_it()
    {
        await using var guarded = await InProcessService.StartAsync(OrchestratorApp.Build, [
            .. stack.Settings("guarded-orchestrator"), "--OnlyPrompt:ApiKey", "s3cret", "--OnlyPrompt:ResumeOnStart", "false",
            .. LocalStack.WorkerAddresses(stack.Sampler.Address, stack.Filter.Address, stack.Trainer.Address, stack.Evaluator.Address)]);
        var client = new OrchestratorClient(guarded.Channel);

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ListRunsAsync(new ListRunsRequest()).ResponseAsync);
        var wrong = await Assert.ThrowsAsync<RpcException>(() =>
            client.ListRunsAsync(new ListRunsRequest(), new Metadata { { ApiKeyInterceptor.Header, "guess" } }).ResponseAsync);
        var listed = await client.ListRunsAsync(new ListRunsRequest(), new Metadata { { ApiKeyInterceptor.Header, "s3cret" } });

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.NotNull(listed);
    }

    [Theory]
    [InlineData("--OnlyPrompt:Retry:Attempts", "0", "OnlyPrompt:Retry:Attempts must be at least 1.")]
    [InlineData("--OnlyPrompt:Retry:MaxDelay", "00:00:00.100", "OnlyPrompt:Retry: FirstDelay must be positive and MaxDelay at least FirstDelay.")]
    public async Task An_orchestrator_with_bad_settings_refuses_to_start_naming_the_setting(string setting, string value, string message)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            InProcessService.StartAsync(OrchestratorApp.Build, [
            .. stack.Settings("misconfigured-orchestrator"), "--OnlyPrompt:ResumeOnStart", "false", setting, value]));
        Assert.Contains(message, error.Message);
    }
}
