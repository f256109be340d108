using OnlyPrompt.Model.Generation;
using OnlyPrompt.Model.Lora;
using OnlyPrompt.Settings;
using OnlyPrompt.TestSupport.Models;

namespace OnlyPrompt.Model.Tests;

/// <summary>Runs alone: its collector would slow every test beside it and race their TorchSharp calls too.</summary>
[CollectionDefinition(nameof(ConcurrentCollectionTests), DisableParallelization = true)]
public sealed class ConcurrentCollectionCollection;

[Collection(nameof(ConcurrentCollectionTests))]
public class ConcurrentCollectionTests
{
    private static readonly int[][] Prompts = [[2, 3, 4, 5], [6, 7], [8, 9, 10]];

    // Before the forward pass and the sampler held their Scalars (LiveScalars), this loop failed within seconds with
    // "Unknown scalar type": the collector freed TorchSharp's temporary Scalars while libtorch read them.
    [Fact]
    public void SamplingGivesTheSameTokensWhileACollectorRunsBesideIt()
    {
        // A sliding window narrower than the answers and a LoRA adapter put every held Scalar on the path.
        using var model = TinyModels.Create(TinyModels.Config("MistralForCausalLM") with { SlidingWindow = 6 });
        LoraAdapters.Attach(model, new LoraSettings(4, 8, 0, LoraSettings.AllProjections), seed: 3);
        var generator = new BatchGenerator(model);
        var options = new SamplingOptions { MaxNewTokens = 12, Temperature = 0.9, TopP = 0.9, TopK = 20, Seed = 11 };
        var expected = generator.Generate(Prompts, options).Select(s => s.Tokens).ToList();

        var collecting = true;
        var collector = new Thread(() =>
        {
            while (Volatile.Read(ref collecting))
            {
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        try
        {
            for (var i = 0; i < 300; i++)
                Assert.Equal(expected, generator.Generate(Prompts, options).Select(s => s.Tokens));
        }
        finally
        {
            Volatile.Write(ref collecting, false);
            collector.Join();
        }
    }
}
