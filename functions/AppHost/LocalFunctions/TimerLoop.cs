using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.AppHost.LocalFunctions;

/// <summary>Runs a timer-triggered function every period (and once at start when it asks to).</summary>
public sealed class TimerLoop(TimerFunction timer, IServiceProvider services, ILogger<TimerLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!timer.RunOnStartup)
        {
            await Task.Delay(timer.Period, stoppingToken);
        }

        using var ticks = new PeriodicTimer(timer.Period);
        do
        {
            if (services.GetService<IServiceFaults>().IsDown())
            {
                continue;
            }

            try
            {
                await using var scope = services.CreateAsyncScope();
                await FunctionInvoker.InvokeAsync(timer.Method, scope.ServiceProvider, p =>
                    p.ParameterType == typeof(TimerInfo) ? new TimerInfo()
                    : p.ParameterType == typeof(CancellationToken) ? stoppingToken
                    : p.GetCustomAttributes(typeof(DurableClientAttribute), false).Length > 0 ? scope.ServiceProvider.GetRequiredService<DurableTaskClient>()
                    : throw FunctionInvoker.Unbindable(timer.Method, p));
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Timer function {Function} failed; it runs again in {Period}", timer.Name, timer.Period);
            }
        }
        while (await ticks.WaitForNextTickAsync(stoppingToken));
    }
}
