using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace OnlyPrompt.Orchestrator;

/// <summary>When <c>OnlyPrompt:ApiKey</c> is set, every call must carry it in the <c>x-api-key</c> header.</summary>
public sealed class ApiKeyInterceptor(IOptions<OrchestratorOptions> options) : Interceptor
{
    public const string Header = "x-api-key";

    public override Task<TResponse> UnaryServerHandler<TRequest,
        TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest,
        TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var key = options.Value.ApiKey;
        if (string.IsNullOrEmpty(key) || context.Method.StartsWith("/grpc.", StringComparison.Ordinal))
            return;
        var given = context.RequestHeaders.GetValue(Header);
        if (given is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(key)))
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"this orchestrator requires its API key in the '{Header}' header."));
    }
}
