using System.Reflection;
using Grpc.Net.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Serverless.AppHost.LocalFunctions;
using Serverless.BuildingBlocks.Hosting;

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

    /// <summary>An orchestrator function: the trigger parameter gets the context, a second parameter the input (as in Azure).</summary>
    private sealed class ReflectedOrchestrator(MethodInfo method) : ITaskOrchestrator
    {
        private readonly ParameterInfo? _input = method.GetParameters().SingleOrDefault(p => p.ParameterType != typeof(TaskOrchestrationContext));

        public Type InputType => _input?.ParameterType ?? typeof(object);
        public Type OutputType => FunctionInvoker.ResultType(method);

        public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
        {
            try
            {
                return await FunctionInvoker.InvokeAsync(method, EmptyServices.Instance, p =>
                    p.ParameterType == typeof(TaskOrchestrationContext) ? context : p == _input ? input : throw FunctionInvoker.Unbindable(method, p));
            }
            catch (Exception ex) when (ex is not TaskFailedException)
            {
                context.CreateReplaySafeLogger(method.Name).LogError(ex, "Orchestrator {Name} ({InstanceId}) failed", method.Name, context.InstanceId);
                throw;
            }
        }
    }

    /// <summary>An activity function: a fresh DI scope per call; the trigger parameter gets the input.</summary>
    private sealed class ReflectedActivity(MethodInfo method, IServiceProvider services) : ITaskActivity
    {
        private readonly ParameterInfo _trigger = method.GetParameters().Single(p => p.GetCustomAttribute<Microsoft.Azure.Functions.Worker.ActivityTriggerAttribute>() is not null);

        public Type InputType => _trigger.ParameterType;
        public Type OutputType => FunctionInvoker.ResultType(method);

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            if (services.GetService<IServiceFaults>().IsDown())
            {
                throw new InvalidOperationException("The service is down (fault switch): the activity fails and is retried.");
            }

            await using var scope = services.CreateAsyncScope();
            return await FunctionInvoker.InvokeAsync(method, scope.ServiceProvider, p =>
                p == _trigger ? input
                : p.ParameterType == typeof(CancellationToken) ? CancellationToken.None
                : throw FunctionInvoker.Unbindable(method, p));
        }
    }

    /// <summary>Orchestrators are deterministic and get no services.</summary>
    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
