using TorchSharp;
using static TorchSharp.torch;

namespace OnlyPrompt.Model.Llama;

/// <summary>Tensor arithmetic whose libtorch Scalars stay alive through the native call.</summary>
/// <remarks>
/// TorchSharp 0.107 turns a .NET number into a Scalar that only its finalizer frees, and <c>Tensor.add(Tensor)</c>
/// makes such an alpha of 1 itself. Nothing keeps that Scalar reachable while libtorch reads it, so a collection on
/// another thread can free it mid-call: "Unknown scalar type", or a wrong value (dotnet/TorchSharp#1434). With a
/// collector running beside it, <c>x.add(1e-6)</c> failed once in about 8,000 calls. The forward pass and the sampler,
/// which make millions of such calls, pass Scalars held here, in fields, or in <c>using</c> variables instead.
/// </remarks>
public static class LiveScalars
{
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();
    public static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();

    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    public static Tensor PlusInPlace(this Tensor left, Tensor right) => left.add_(right, One);
}
