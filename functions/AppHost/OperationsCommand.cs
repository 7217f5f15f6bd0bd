using Microsoft.Extensions.DependencyInjection;
using Serverless.AppHost.Azurite;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.AppHost;

/// <summary>The CLI verbs of the local host, for an operator at the terminal.</summary>
public static class OperationsCommand
{
    /// <summary>
    /// <c>dead-letters list|replay|purge</c> on the bus's <see cref="IDeadLetters"/>: the local Azurite
    /// queues unless <c>Bus:*</c> settings (environment, or <c>--Bus:FullyQualifiedNamespace=...</c>) name another bus.
    /// </summary>
    public static async Task<int> DeadLettersAsync(string[] args)
    {
        var verb = args.Length > 1 ? args[1] : "list";
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Skip(2).ToArray())
            .Build();
        var azurite = configuration.GetSection("Azurite").Get<AzuriteOptions>() ?? new AzuriteOptions();
        var busConfiguration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:ConnectionString"] = azurite.ConnectionString })
            .AddConfiguration(configuration)
            .Build();
        BusOptions bus;
        try
        {
            bus = BusOptions.From(busConfiguration);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        await using var services = new ServiceCollection().AddLogging().AddBus(busConfiguration).BuildServiceProvider();
        var deadLetters = services.GetRequiredService<IDeadLetters>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            switch (verb)
            {
                case "list":
                    var letters = await deadLetters.ListAsync(timeout.Token);
                    Console.WriteLine($"{letters.Count} dead letter(s)");
                    foreach (var l in letters)
                    {
                        Console.WriteLine($"{l.Queue,-36} {l.MessageId,-34} {l.Type,-22} {l.Subject,-38} {l.Reason}");
                    }

                    return 0;
                case "replay":
                    Console.WriteLine($"{await deadLetters.ReplayAsync(timeout.Token)} dead letter(s) replayed");
                    return 0;
                case "purge":
                    Console.WriteLine($"{await deadLetters.PurgeAsync(timeout.Token)} dead letter(s) purged");
                    return 0;
                default:
                    Console.Error.WriteLine("usage: dead-letters list|replay|purge");
                    return 2;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var where = bus.Provider == BusProvider.Queues
                ? $"Azurite on port {azurite.QueuePort}"
                : $"Service Bus {bus.FullyQualifiedNamespace ?? "from Bus:ConnectionString"}";
            Console.Error.WriteLine($"The bus ({where}) is not reachable: is the system running? ({ex.Message})");
            return 1;
        }
    }
}
