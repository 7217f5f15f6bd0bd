using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.AppHost.LocalFunctions;

public sealed record HttpFunction(string Name, MethodInfo Method, string Route, string[] HttpMethods);

public sealed record TimerFunction(string Name, MethodInfo Method, TimeSpan Period, bool RunOnStartup);

/// <summary>
/// The <c>[Function]</c> methods of one Function App assembly, found by reflection: the same
/// classes Azure runs, grouped by trigger. A trigger this host cannot serve fails loudly at start.
/// </summary>
public sealed class FunctionCatalog
{
    public required IReadOnlyList<HttpFunction> Http { get; init; }
    public required IReadOnlyList<(string Name, MethodInfo Method)> Orchestrators { get; init; }
    public required IReadOnlyList<(string Name, MethodInfo Method)> Activities { get; init; }
    public required IReadOnlyList<TimerFunction> Timers { get; init; }

    public static FunctionCatalog Discover(Assembly assembly)
    {
        var http = new List<HttpFunction>();
        var orchestrators = new List<(string, MethodInfo)>();
        var activities = new List<(string, MethodInfo)>();
        var timers = new List<TimerFunction>();

        foreach (var method in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract)
                     .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }

            var parameters = method.GetParameters();
            if (parameters.Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null) is { } httpTrigger)
            {
                var route = httpTrigger.Route ?? function.Name;
                var verbs = httpTrigger.Methods is { Length: > 0 } m ? m.Select(v => v.ToUpperInvariant()).ToArray() : ["GET", "POST"];
                http.Add(new HttpFunction(function.Name, method, route, verbs));
            }
            else if (parameters.Any(p => p.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null))
            {
                orchestrators.Add((function.Name, method));
            }
            else if (parameters.Any(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null))
            {
                activities.Add((function.Name, method));
            }
            else if (parameters.Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).FirstOrDefault(a => a is not null) is { } timer)
            {
                timers.Add(new TimerFunction(function.Name, method, CronPeriod(function.Name, timer.Schedule), timer.RunOnStartup));
            }
            else
            {
                throw new NotSupportedException($"Function {function.Name}: the local host serves HTTP, orchestration, activity and timer triggers only.");
            }
        }

        return new FunctionCatalog { Http = http, Orchestrators = orchestrators, Activities = activities, Timers = timers };
    }

    /// <summary>The local host runs timers of the form <c>*/N * * * * *</c> (every N seconds); anything else is refused.</summary>
    public static TimeSpan CronPeriod(string name, string schedule)
    {
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 6 && fields.Skip(1).All(f => f == "*") &&
            (fields[0].StartsWith("*/", StringComparison.Ordinal) || fields[0].StartsWith("0/", StringComparison.Ordinal)) &&
            int.TryParse(fields[0][2..], out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        throw new NotSupportedException($"Timer {name}: schedule '{schedule}' is not of the form */N * * * * *.");
    }
}
