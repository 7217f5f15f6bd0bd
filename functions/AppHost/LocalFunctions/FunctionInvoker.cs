using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.AppHost.LocalFunctions;

/// <summary>Creates a function's class from the app's own DI container and calls the method, awaiting what it returns.</summary>
public static class FunctionInvoker
{
    public static async Task<object?> InvokeAsync(MethodInfo method, IServiceProvider services, Func<ParameterInfo, object?> bind)
    {
        var instance = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
        try
        {
            var args = method.GetParameters().Select(bind).ToArray();
            var result = method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, args, null);
            if (result is Task task)
            {
                await task;
                return method.ReturnType.IsGenericType ? method.ReturnType.GetProperty("Result")!.GetValue(task) : null;
            }

            return result;
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    /// <summary>The type a function produces once awaited: <c>Task&lt;T&gt;</c> gives T, <c>Task</c> gives object.</summary>
    public static Type ResultType(MethodInfo method) =>
        method.ReturnType == typeof(Task) || method.ReturnType == typeof(void) ? typeof(object)
        : method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>) ? method.ReturnType.GetGenericArguments()[0]
        : method.ReturnType;

    public static NotSupportedException Unbindable(MethodInfo method, ParameterInfo parameter) =>
        new($"{method.DeclaringType?.Name}.{method.Name}: the local host cannot bind parameter '{parameter.Name}' ({parameter.ParameterType.Name}).");
}
