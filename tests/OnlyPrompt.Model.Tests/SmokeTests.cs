using TorchSharp;
namespace OnlyPrompt.Model.Tests;
public class SmokeTests
{
    [Fact]
    public void TorchLoads()
    {
        var t = torch.ones(2, 3);
        Assert.Equal(6f, t.sum().item<float>());
    }
}
