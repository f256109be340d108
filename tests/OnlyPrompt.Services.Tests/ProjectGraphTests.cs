using System.Reflection;
using OnlyPrompt.Orchestrator;

namespace OnlyPrompt.Services.Tests;

/// <summary>The one-way project graph, as the compiled assemblies reference each other (unused references are dropped by the compiler).</summary>
public class ProjectGraphTests
{
    private static readonly string[] ModelCode = ["TorchSharp", "OnlyPrompt.Model", "OnlyPrompt.Training", "OnlyPrompt.Answering"];

    [Theory]
    [InlineData(typeof(OrchestratorApp))]
    [InlineData(typeof(Filter.FilterApp))]
    [InlineData(typeof(Cli.CliCommands))] // the onlyprompt client: a preset's base model gets its weights from the Trainer
    public void TheOrchestratorTheFilterAndTheClientHoldNoModelCode(Type app)
    {
        var reached = Reachable(app.Assembly);
        Assert.Empty(reached.Intersect(ModelCode));
        Assert.Contains("OnlyPrompt.Method", reached); // the walk does reach the libraries it uses
    }

    [Theory]
    [InlineData(typeof(OrchestratorApp))]
    [InlineData(typeof(Sampler.SamplerApp))]
    [InlineData(typeof(Filter.FilterApp))]
    [InlineData(typeof(Trainer.TrainerApp))]
    [InlineData(typeof(Evaluator.EvaluatorApp))]
    public void NoServiceKnowsTheDefaultWorld(Type app) =>
        Assert.Empty(Reachable(app.Assembly).Intersect(["OnlyPrompt.Worlds", "onlyprompt-lab"]));

    [Fact]
    public void TheModelConfigurationHoldsNoModelCode() // the world writes its base model's config.json with it on the client
    {
        var reached = Reachable(typeof(Model.Configuration.LlamaConfig).Assembly);
        Assert.Equal(["OnlyPrompt.Model.Configuration"], reached.Where(n => n.StartsWith("OnlyPrompt", StringComparison.Ordinal)));
        Assert.DoesNotContain("TorchSharp", reached);
        Assert.Contains("OnlyPrompt.Model.Configuration", Reachable(typeof(Worlds.BaseModelWriter).Assembly));
    }

    [Fact]
    public void TheAllocatorSettingsHoldNoModelCode() => // the AppHost sets them for the model services it starts
        Assert.Equal(["OnlyPrompt.NativeMemory"], Reachable(typeof(NativeMemory.MallocTuning).Assembly).Where(n =>
            n.StartsWith("OnlyPrompt", StringComparison.Ordinal) || n == "TorchSharp"));

    [Fact]
    public void BlobStorageKnowsNoContracts() =>
        Assert.Equal(["OnlyPrompt.Storage"], Reachable(typeof(Storage.BlobStore).Assembly).Where(n =>
            n.StartsWith("OnlyPrompt", StringComparison.Ordinal)));

    [Fact]
    public void TheServiceDefaultsHoldNoDomainCode() =>
        Assert.Equal(["OnlyPrompt.ServiceDefaults"],
            Reachable(typeof(Microsoft.Extensions.Hosting.GrpcServiceDefaults).Assembly).Where(n =>
                n.StartsWith("OnlyPrompt", StringComparison.Ordinal)));

    private static HashSet<string> Reachable(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>([root.GetName()]);
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name.Name!) || !(name.Name!.StartsWith("OnlyPrompt", StringComparison.OrdinalIgnoreCase) || name.Name == "TorchSharp"))
                continue;
            foreach (var referenced in Assembly.Load(name).GetReferencedAssemblies())
                pending.Push(referenced);
        }
        return seen;
    }
}
