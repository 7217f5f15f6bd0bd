using Grpc.Net.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Serverless.AppHost.LocalFunctions;

namespace Serverless.AppHost.Durable;

/// <summary>
/// How a Function App reaches the Durable backend: the standard Durable Task SDK gRPC worker and
/// client over one loopback HTTP/2 channel to the AppHost's task hub server.
/// </summary>
public sealed class DurableConnection(Uri address) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        },
    });

    public void AddClientAndWorker(IServiceCollection services, FunctionCatalog catalog)
    {
        services.AddDurableTaskClient(b => b.UseGrpc(_channel));
        if (catalog.Orchestrators.Count == 0 && catalog.Activities.Count == 0)
        {
            return;
        }

        services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(registry =>
            {
                foreach (var (name, method) in catalog.Orchestrators)
                {
                    registry.AddOrchestrator(name, () => new ReflectedOrchestrator(method));
                }

                foreach (var (name, method) in catalog.Activities)
                {
                    registry.AddActivity(name, sp => new ReflectedActivity(method, sp));
                }
            });
            b.UseGrpc(o =>
            {
                o.Channel = _channel;
                // The task hub server sends no health pings: don't reconnect every 2 minutes of quiet.
                o.SetSilentDisconnectTimeout(TimeSpan.Zero);
            });
        });
    }

    public void Dispose() => _channel.Dispose();
}
