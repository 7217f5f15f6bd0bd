using System.Runtime.InteropServices;
using Serverless.AppHost;

// The local host: `dotnet run --project functions/AppHost` runs the whole system on this machine.
// `dotnet run --project functions/AppHost -- dead-letters list|replay|purge` operates on a running one.
if (args is ["dead-letters", ..])
{
    return await OperationsCommand.DeadLettersAsync(args);
}

using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

await using var system = await LocalSystem.StartAsync(args, stopping.Token);
await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
return 0;
