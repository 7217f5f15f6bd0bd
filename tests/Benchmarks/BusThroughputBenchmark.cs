using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Azurite;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Messaging.Queues;

namespace Serverless.Benchmarks;

/// <summary>
/// Outbox -> change feed relay -> bus (a real Azurite queue) -> idempotent consumer (inbox + effect
/// in one SQLite transaction), end to end: messages per second until the last effect is written.
/// </summary>
internal sealed class BusThroughputBenchmark : IBenchmark
{
    public string Name => "Bus throughput (outbox -> bus -> idempotent consumer)";

    public IReadOnlyDictionary<string, string> Units => new Dictionary<string, string>
    {
        ["bus_messages_per_s"] = "messages/s, outbox to consumer effect",
        ["bus_publish_messages_per_s"] = "messages/s, outbox to queue only",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var count = quick ? 2_000 : 10_000;
        var folder = Directory.CreateTempSubdirectory("shop-bench-bus-").FullName;
        var ports = Serverless.Reliability.AppHostProcess.FreePorts(3);
        var options = new AzuriteOptions { BlobPort = ports[0], QueuePort = ports[1], TablePort = ports[2] };
        await using var azurite = await AzuriteProcess.EnsureRunningAsync(options, LocalSystem.FindRepoRoot(), folder, NullLogger.Instance, ct);
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:Topics:orders"] = "bench" }).Build();
            var topology = new BusTopology(configuration);
            var queues = new Azure.Storage.Queues.QueueServiceClient(options.ConnectionString, QueueMessageBus.ClientOptions);
            var bus = new QueueMessageBus(queues, topology);
            await bus.EnsureQueuesAsync(ct);

            var producer = new SqliteDatabase(Path.Combine(folder, "producer.db"), Outbox.Schema);
            var consumerDb = new SqliteDatabase(Path.Combine(folder, "consumer.db"), "CREATE TABLE IF NOT EXISTS effects (message_id TEXT PRIMARY KEY);".WithMessaging());
            await producer.WriteAsync(async (c, t) =>
            {
                for (var i = 0; i < count; i++)
                {
                    await Outbox.AddAsync(c, t, IntegrationEvent.Create("orders", "OrderPlaced", $"order-{i}", new { customerId = "bench", i }, DateTimeOffset.UtcNow));
                }

                return count;
            });

            var services = new ServiceCollection().AddLogging().AddSingleton(consumerDb).AddSingleton<EffectHandler>().BuildServiceProvider();
            var relay = new ChangeFeedProcessor("bus-relay", new ChangeFeed(producer, TimeProvider.System),
                (batch, token) => bus.PublishAsync(batch.Select(b => b.Event).ToList(), token), NullLogger.Instance);
            var consumers = Enumerable.Range(0, 2).Select(_ => new QueueSubscriptionProcessor<EffectHandler>(
                "orders", "bench", queues, topology, services, services.GetRequiredService<ILogger<QueueSubscriptionProcessor<EffectHandler>>>())).ToList();

            var clock = Stopwatch.StartNew();
            await relay.StartAsync(ct);
            foreach (var consumer in consumers)
            {
                await consumer.StartAsync(ct);
            }

            var deadline = DateTime.UtcNow.AddMinutes(5);
            var feed = new ChangeFeed(producer, TimeProvider.System);
            double? published = null;
            while (await Effects(consumerDb) < count)
            {
                if (published is null && await feed.CheckpointAsync("bus-relay") == count)
                {
                    published = clock.Elapsed.TotalSeconds;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Only {await Effects(consumerDb)} of {count} messages arrived.");
                }

                await Task.Delay(20, ct);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            await relay.StopAsync(ct);
            foreach (var consumer in consumers)
            {
                await consumer.StopAsync(ct);
            }

            return new Dictionary<string, double>
            {
                ["bus_messages_per_s"] = count / seconds,
                ["bus_publish_messages_per_s"] = count / (published ?? seconds),
            };
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> Effects(SqliteDatabase db)
    {
        await using var c = db.Open();
        return await c.QuerySingleAsync<int>("SELECT COUNT(*) FROM effects");
    }


    /// <summary>An idempotent consumer: the inbox mark and the effect in one transaction.</summary>
    private sealed class EffectHandler(SqliteDatabase db) : IIntegrationEventHandler
    {
        public Task HandleAsync(IntegrationEvent e, CancellationToken cancellationToken) =>
            db.WriteAsync(async (c, t) =>
            {
                if (await Outbox.TryMarkHandledAsync(c, t, "bench", e.MessageId))
                {
                    await c.ExecuteAsync("INSERT INTO effects (message_id) VALUES (@MessageId)", new { e.MessageId }, t);
                }

                return 0;
            });
    }
}
