using Azure.Storage.Queues;
using Serverless.AppHost.Azurite;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.AppHost;

/// <summary>The CLI verbs of the local host, for an operator at the terminal.</summary>
public static class OperationsCommand
{
    public static async Task<int> DeadLettersAsync(string[] args)
    {
        var verb = args.Length > 1 ? args[1] : "list";
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Skip(2).ToArray())
            .Build();
        var azurite = configuration.GetSection("Azurite").Get<AzuriteOptions>() ?? new AzuriteOptions();
        var bus = new QueueMessageBus(new QueueServiceClient(azurite.ConnectionString, QueueMessageBus.ClientOptions), new BusTopology(configuration));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            switch (verb)
            {
                case "list":
                    var letters = await bus.DeadLettersAsync(timeout.Token);
                    Console.WriteLine($"{letters.Count} dead letter(s)");
                    foreach (var l in letters)
                    {
                        Console.WriteLine($"{l.Queue,-36} {l.MessageId,-34} {l.Type,-22} {l.Subject,-38} {l.Reason}");
                    }

                    return 0;
                case "replay":
                    Console.WriteLine($"{await bus.ReplayAsync(timeout.Token)} dead letter(s) replayed");
                    return 0;
                case "purge":
                    Console.WriteLine($"{await bus.PurgeAsync(timeout.Token)} dead letter(s) purged");
                    return 0;
                default:
                    Console.Error.WriteLine("usage: dead-letters list|replay|purge");
                    return 2;
            }
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or OperationCanceledException or AggregateException)
        {
            Console.Error.WriteLine($"The bus (Azurite on port {azurite.QueuePort}) is not reachable: is the system running? ({ex.Message})");
            return 1;
        }
    }
}
