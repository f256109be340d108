using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace OnlyPrompt.ServiceDefaults;

/// <summary>
/// The one place where domain exceptions become gRPC status codes: bad arguments are InvalidArgument (their
/// message names the field), missing or corrupt blobs, bad data and diverged training are FailedPrecondition, cancellation is
/// Cancelled, anything else is Internal with its message (and is logged).
/// </summary>
public sealed class ServiceExceptionInterceptor(ILogger<ServiceExceptionInterceptor> log) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest,
            TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        var code = e switch
        {
            OperationCanceledException => StatusCode.Cancelled,
            ArgumentException => StatusCode.InvalidArgument,
            // Bad data, missing or corrupt blobs (BlobIntegrityException), bad checkpoints (ModelFormatException) and diverged
            // training (TrainingDivergedException): calling again with the same inputs fails again.
            InvalidDataException or FormatException or FileNotFoundException or ArithmeticException => StatusCode.FailedPrecondition,
            _ => StatusCode.Internal,
        };
        if (code == StatusCode.Internal)
            log.LogError(e, "{Method} failed", context.Method);
        else
            log.LogWarning("{Method}: {Code}: {Message}", context.Method, code, e.Message);
        return new RpcException(new Status(code, e.Message));
    }
}
