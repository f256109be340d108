using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>What an autograd function's backward reads back from <c>ctx.save_for_backward</c>.</summary>
internal static class SavedTensors
{
    /// <summary>The saved tensor, or null where null was saved: it comes back as an undefined tensor.</summary>
    public static Tensor? OrNull(Tensor saved) => saved is { IsInvalid: false } ? saved : null;
}
