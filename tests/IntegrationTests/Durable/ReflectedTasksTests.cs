using System.Reflection;
using System.Reflection.Emit;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Serverless.AppHost.Durable;

namespace Serverless.IntegrationTests.Durable;

/// <summary>How the local host binds an activity's trigger parameter when many activities start at once.</summary>
public sealed class ReflectedTasksTests
{
    private const int Methods = 200;
    private const int Threads = 4;

    [Fact]
    public void ActivitiesStartedOnSeveralThreadsAtOnce_TheFirstTimeTheirMethodIsSeen_AllGetTheirInput()
    {
        // Given fresh activity methods, `static int M(int input) => input`, that no code has reflected on yet
        // (a method's ParameterInfo objects are built lazily, without a lock, on the first call that asks)
        var methods = FreshActivityMethods(Methods);
        using var services = new ServiceCollection().BuildServiceProvider();

        // When, for each method, several threads create and run its activity at the same moment
        var wrong = new List<string>();
        foreach (var (method, i) in methods.Select((m, i) => (m, i)))
        {
            using var together = new Barrier(Threads);
            var results = new object?[Threads];
            var errors = new Exception?[Threads];
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                together.SignalAndWait();
                try
                {
                    results[t] = new ReflectedActivity(method, services).RunAsync(new Context(method.Name), i).GetAwaiter().GetResult();
                }
                catch (Exception ex)
                {
                    errors[t] = ex;
                }
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            wrong.AddRange(Enumerable.Range(0, Threads)
                .Where(t => errors[t] is not null || !Equals(results[t], i))
                .Select(t => $"{method.Name} on thread {t}: {errors[t]?.Message ?? $"returned {results[t]}"}"));
        }

        // Then every call got its own input back (matching the parameter by reference failed 81 of 800 calls here)
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Methods * Threads} calls went wrong, e.g. {string.Join(" | ", wrong.Take(3))}");
    }

    private static MethodInfo[] FreshActivityMethods(int count)
    {
        var module = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName($"FreshActivities{Guid.NewGuid():N}"), AssemblyBuilderAccess.Run).DefineDynamicModule("Activities");
        var type = module.DefineType("Activities", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Abstract);
        var trigger = new CustomAttributeBuilder(typeof(ActivityTriggerAttribute).GetConstructor(Type.EmptyTypes)!, []);
        for (var i = 0; i < count; i++)
        {
            var method = type.DefineMethod($"Activity{i}", MethodAttributes.Public | MethodAttributes.Static, typeof(int), [typeof(int)]);
            method.DefineParameter(1, ParameterAttributes.None, "input").SetCustomAttribute(trigger);
            var il = method.GetILGenerator();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ret);
        }

        var built = type.CreateType();
        return Enumerable.Range(0, count).Select(i => built.GetMethod($"Activity{i}")!).ToArray();
    }

    private sealed class Context(string name) : TaskActivityContext
    {
        public override TaskName Name => name;

        public override string InstanceId => "fresh-methods";
    }
}
