using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.AppHost.LocalFunctions;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.AppHost.Durable;

// Parameters are matched by position, never by ParameterInfo reference: the runtime builds a method's
// ParameterInfo objects lazily without a lock, so the first calls on several threads at once can each
// get their own instances, and `p == saved` is then false for the very parameter it names (seen: an
// activity failing "cannot bind parameter 'input'" in the first burst after a start).

/// <summary>An orchestrator function: the trigger parameter gets the context, a second parameter the input (as in Azure).</summary>
public sealed class ReflectedOrchestrator(MethodInfo method) : ITaskOrchestrator
{
    private readonly ParameterInfo? _input = method.GetParameters().SingleOrDefault(p => p.ParameterType != typeof(TaskOrchestrationContext));

    public Type InputType => _input?.ParameterType ?? typeof(object);
    public Type OutputType => FunctionInvoker.ResultType(method);

    public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
    {
        try
        {
            return await FunctionInvoker.InvokeAsync(method, EmptyServices.Instance, p =>
                p.ParameterType == typeof(TaskOrchestrationContext) ? context
                : p.Position == _input?.Position ? input
                : throw FunctionInvoker.Unbindable(method, p));
        }
        catch (Exception ex) when (ex is not TaskFailedException)
        {
            context.CreateReplaySafeLogger(method.Name).LogError(ex, "Orchestrator {Name} ({InstanceId}) failed", method.Name, context.InstanceId);
            throw;
        }
    }

    /// <summary>Orchestrators are deterministic and get no services.</summary>
    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}

/// <summary>An activity function: a fresh DI scope per call; the trigger parameter gets the input.</summary>
public sealed class ReflectedActivity(MethodInfo method, IServiceProvider services) : ITaskActivity
{
    private readonly ParameterInfo _trigger = method.GetParameters().Single(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null);

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
            p.Position == _trigger.Position ? input
            : p.ParameterType == typeof(CancellationToken) ? CancellationToken.None
            : throw FunctionInvoker.Unbindable(method, p));
    }
}
