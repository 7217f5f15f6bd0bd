namespace Serverless.AppHost;

/// <summary>
/// The AppHost runs several web apps in one process and stops them itself, in order; none of them
/// may react to Ctrl+C on its own.
/// </summary>
public sealed class ManagedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
