using System.Diagnostics;
using System.Net;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Cosmos;
using Xunit.Abstractions;

namespace Serverless.IntegrationTests.Cosmos;

/// <summary>The local Cosmos DB server behaves like Cosmos DB for what the storage adapters use, through the real SDK.</summary>
[Collection("cosmos")]
public sealed class LocalCosmosServerTests(CosmosServerFixture cosmos, ITestOutputHelper output)
{
    public sealed record Doc(string Id, string Pk, int Version, string? Name = null);

    [Fact]
    public async Task The64thDatabaseAndBeyond_StayAddressable_ResourceIdsNeverHoldASlash()
    {
        // Given a server of its own, so its resource id counters start at zero
        await using var server = await CosmosServerFixture.StartServerAsync(dataDirectory: null);
        using var client = CosmosServerFixture.NewClient(server.Options);

        // When 70 databases (with a container each) are created — the 64th's rid is where base64 would hold a '/'
        for (var i = 1; i <= 70; i++)
        {
            var container = await CosmosServerFixture.CreateContainerAsync(client, "/pk");
            if (i < 60)
            {
                continue;
            }

            // Then each stays usable, by point reads and by queries (which resolve the container's rid and ranges)
            await container.CreateItemAsync(new { id = "a", pk = "p", n = i }, new PartitionKey("p"));
            var found = container.GetItemQueryIterator<System.Text.Json.JsonElement>(new QueryDefinition("SELECT VALUE c.n FROM c WHERE c.pk = 'p'"),
                requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("p") });
            var values = new List<int>();
            while (found.HasMoreResults)
            {
                values.AddRange((await found.ReadNextAsync()).Select(v => v.GetInt32()));
            }

            Assert.Equal([i], values);
        }
    }

    [Fact]
    public async Task Replace_with_a_stale_etag_fails_with_412_and_with_the_current_one_succeeds()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        var created = await container.CreateItemAsync(new Doc("a", "p1", 1), new PartitionKey("p1"));
        var read = await container.ReadItemAsync<Doc>("a", new PartitionKey("p1"));
        Assert.Equal(new Doc("a", "p1", 1), read.Resource);
        Assert.Equal(created.ETag, read.ETag);

        var replaced = await container.ReplaceItemAsync(new Doc("a", "p1", 2), "a", new PartitionKey("p1"), new ItemRequestOptions { IfMatchEtag = read.ETag });
        Assert.NotEqual(read.ETag, replaced.ETag);

        var stale = await Assert.ThrowsAsync<CosmosException>(() =>
            container.ReplaceItemAsync(new Doc("a", "p1", 3), "a", new PartitionKey("p1"), new ItemRequestOptions { IfMatchEtag = read.ETag }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(2, (await container.ReadItemAsync<Doc>("a", new PartitionKey("p1"))).Resource.Version);
    }

    [Fact]
    public async Task A_conditional_read_of_an_unchanged_item_is_304_and_of_a_changed_one_200()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        var etag = (await container.CreateItemAsync(new Doc("a", "p1", 1), new PartitionKey("p1"))).ETag;

        using (var unchanged = await container.ReadItemStreamAsync("a", new PartitionKey("p1"), new ItemRequestOptions { IfNoneMatchEtag = etag }))
        {
            Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        }

        await container.UpsertItemAsync(new Doc("a", "p1", 2), new PartitionKey("p1"));
        using var changed = await container.ReadItemStreamAsync("a", new PartitionKey("p1"), new ItemRequestOptions { IfNoneMatchEtag = etag });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
    }

    [Fact]
    public async Task Creating_an_existing_id_in_the_same_partition_fails_with_409()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        await container.CreateItemAsync(new Doc("a", "p1", 1), new PartitionKey("p1"));

        var duplicate = await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new Doc("a", "p1", 2), new PartitionKey("p1")));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await container.CreateItemAsync(new Doc("a", "p2", 1), new PartitionKey("p2"))).StatusCode);
    }

    [Fact]
    public async Task A_missing_item_is_404_for_read_replace_patch_and_delete()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        await container.CreateItemAsync(new Doc("a", "p1", 1), new PartitionKey("p1"));

        var read = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<Doc>("missing", new PartitionKey("p1")));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        using (var stream = await container.ReadItemStreamAsync("a", new PartitionKey("other-partition")))
        {
            Assert.Equal(HttpStatusCode.NotFound, stream.StatusCode);
        }

        var replace = await Assert.ThrowsAsync<CosmosException>(() => container.ReplaceItemAsync(new Doc("missing", "p1", 1), "missing", new PartitionKey("p1")));
        Assert.Equal(HttpStatusCode.NotFound, replace.StatusCode);
        var patch = await Assert.ThrowsAsync<CosmosException>(() =>
            container.PatchItemAsync<Doc>("missing", new PartitionKey("p1"), [PatchOperation.Set("/version", 2)]));
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        var delete = await Assert.ThrowsAsync<CosmosException>(() => container.DeleteItemAsync<Doc>("missing", new PartitionKey("p1")));
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);

        await container.DeleteItemAsync<Doc>("a", new PartitionKey("p1"));
        using var deleted = await container.ReadItemStreamAsync("a", new PartitionKey("p1"));
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
    }

    [Fact]
    public async Task Partition_query_with_parameters_order_by_and_top_returns_that_partitions_latest_version()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        foreach (var (pk, version) in new[] { ("order-1", 1), ("order-1", 3), ("order-1", 2), ("order-2", 7), ("order-2", 9) })
        {
            await container.CreateItemAsync(new Doc($"{pk}-v{version}", pk, version, "event"), new PartitionKey(pk));
        }

        var query = new QueryDefinition("SELECT TOP 1 * FROM c WHERE c.pk = @pk AND c.name = @name ORDER BY c.version DESC")
            .WithParameter("@pk", "order-1")
            .WithParameter("@name", "event");
        var latest = await ReadAllAsync(container.GetItemQueryIterator<Doc>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("order-1") }));
        Assert.Equal([new Doc("order-1-v3", "order-1", 3, "event")], latest);

        // Without a filter on the partition key, only the requested partition's documents come back.
        var all = await ReadAllAsync(container.GetItemQueryIterator<Doc>(
            new QueryDefinition("SELECT * FROM c ORDER BY c.version"),
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("order-2") }));
        Assert.Equal([7, 9], all.Select(d => d.Version));
    }

    [Fact]
    public async Task Cross_partition_query_by_a_property_finds_documents_of_every_partition_and_pages()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        for (var i = 0; i < 12; i++)
        {
            await container.CreateItemAsync(new Doc($"d{i}", $"p{i % 3}", i, i % 2 == 0 ? "even" : "odd"), new PartitionKey($"p{i % 3}"));
        }

        var even = await ReadAllAsync(container.GetItemQueryIterator<Doc>(
            new QueryDefinition("SELECT * FROM c WHERE c.name = @name").WithParameter("@name", "even"),
            requestOptions: new QueryRequestOptions { MaxItemCount = 2 }));
        Assert.Equal([0, 2, 4, 6, 8, 10], even.Select(d => d.Version).Order());
        Assert.Equal(3, even.Select(d => d.Pk).Distinct().Count());

        var count = await ReadAllAsync(container.GetItemQueryIterator<int>(new QueryDefinition("SELECT VALUE COUNT(1) FROM c")));
        Assert.Equal([12], count);
    }

    [Fact]
    public async Task Change_feed_iterator_resumes_from_its_continuation_with_only_later_changes_each_at_its_latest_version()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        await container.CreateItemAsync(new Doc("a", "p1", 1), new PartitionKey("p1"));
        await container.CreateItemAsync(new Doc("b", "p2", 1), new PartitionKey("p2"));

        var (first, continuation) = await ReadChangesAsync(container, ChangeFeedStartFrom.Beginning(), pageSize: 1);
        Assert.Equal([new Doc("a", "p1", 1), new Doc("b", "p2", 1)], first);

        await container.ReplaceItemAsync(new Doc("a", "p1", 2), "a", new PartitionKey("p1"));
        await container.UpsertItemAsync(new Doc("a", "p1", 3), new PartitionKey("p1"));
        await container.CreateItemAsync(new Doc("c", "p2", 1), new PartitionKey("p2"));
        await container.PatchItemAsync<Doc>("c", new PartitionKey("p2"), [PatchOperation.Set("/version", 2)]);
        await container.CreateItemAsync(new Doc("d", "p3", 1), new PartitionKey("p3"));
        await container.DeleteItemAsync<Doc>("d", new PartitionKey("p3"));

        var (later, next) = await ReadChangesAsync(container, ChangeFeedStartFrom.ContinuationToken(continuation));
        Assert.Equal([new Doc("a", "p1", 3), new Doc("c", "p2", 2)], later);

        var (none, _) = await ReadChangesAsync(container, ChangeFeedStartFrom.ContinuationToken(next));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Change_feed_from_now_gives_only_changes_made_after_it_started_and_an_empty_poll_is_not_modified()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        await container.CreateItemAsync(new Doc("before", "p1", 1), new PartitionKey("p1"));

        using var iterator = container.GetChangeFeedIterator<Doc>(ChangeFeedStartFrom.Now(), ChangeFeedMode.LatestVersion);
        var empty = await iterator.ReadNextAsync();
        Assert.Equal(HttpStatusCode.NotModified, empty.StatusCode);
        Assert.Empty(empty);

        await container.CreateItemAsync(new Doc("after", "p2", 1), new PartitionKey("p2"));
        var page = await iterator.ReadNextAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(["after"], page.Select(d => d.Id));
        Assert.Equal(HttpStatusCode.NotModified, (await iterator.ReadNextAsync()).StatusCode);
    }

    [Fact]
    public async Task Change_feed_from_a_start_time_skips_documents_last_changed_before_it()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        await container.CreateItemAsync(new Doc("old", "p1", 1), new PartitionKey("p1"));
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // documents carry their time in whole seconds (_ts)
        var start = DateTime.UtcNow;
        await container.CreateItemAsync(new Doc("new", "p2", 1), new PartitionKey("p2"));

        var (changes, _) = await ReadChangesAsync(container, ChangeFeedStartFrom.Time(start));
        Assert.Equal(["new"], changes.Select(d => d.Id));
    }

    [Fact]
    public async Task Change_feed_of_one_partition_key_gives_only_that_partitions_changes()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        foreach (var (id, pk) in new[] { ("a", "p1"), ("b", "p2"), ("c", "p1") })
        {
            await container.CreateItemAsync(new Doc(id, pk, 1), new PartitionKey(pk));
        }

        var (changes, _) = await ReadChangesAsync(container, ChangeFeedStartFrom.Beginning(FeedRange.FromPartitionKey(new PartitionKey("p1"))));
        Assert.Equal(["a", "c"], changes.Select(d => d.Id));
    }

    [Fact]
    public async Task Change_feed_processor_delivers_every_change_and_a_new_processor_resumes_from_the_leases()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        var leases = (await container.Database.CreateContainerAsync("leases", "/id")).Container;
        await container.CreateItemAsync(new Doc("a", "p1", 1), new PartitionKey("p1"));

        var first = new ChangeCollector();
        var processor = first.Build(container, leases, "instance-1");
        await processor.StartAsync();
        await container.CreateItemAsync(new Doc("b", "p2", 1), new PartitionKey("p2"));
        await container.CreateItemAsync(new Doc("c", "p3", 1), new PartitionKey("p3"));
        await first.WaitForAsync(["a:1", "b:1", "c:1"]);
        await processor.StopAsync();

        await container.ReplaceItemAsync(new Doc("b", "p2", 2), "b", new PartitionKey("p2"));
        await container.CreateItemAsync(new Doc("d", "p1", 1), new PartitionKey("p1"));

        var second = new ChangeCollector();
        var resumed = second.Build(container, leases, "instance-2");
        await resumed.StartAsync();
        await second.WaitForAsync(["b:2", "d:1"]);
        await container.CreateItemAsync(new Doc("e", "p2", 1), new PartitionKey("p2"));
        await second.WaitForAsync(["b:2", "d:1", "e:1"]);
        await resumed.StopAsync();
        Assert.Equal(["a:1", "b:1", "c:1"], first.Received);
    }

    [Fact]
    public async Task A_killed_server_restarted_on_its_data_folder_keeps_documents_etags_and_change_feed_continuations()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "cosmos-it-" + Guid.NewGuid().ToString("N")[..8]);
        var server = await CosmosServerFixture.StartServerAsync(dataDirectory);
        try
        {
            string databaseId, containerId, etag, continuation;
            using (var client = CosmosServerFixture.NewClient(server.Options))
            {
                var container = await CosmosServerFixture.CreateContainerAsync(client, "/pk");
                (databaseId, containerId) = (container.Database.Id, container.Id);
                etag = (await container.CreateItemAsync(new Doc("a", "p1", 1), new PartitionKey("p1"))).ETag;
                await container.CreateItemAsync(new Doc("b", "p2", 1), new PartitionKey("p2"));
                await container.CreateItemAsync(new Doc("gone", "p2", 1), new PartitionKey("p2"));
                await container.DeleteItemAsync<Doc>("gone", new PartitionKey("p2"));
                (_, continuation) = await ReadChangesAsync(container, ChangeFeedStartFrom.Beginning());
            }

            var port = server.Options.Port;
            using (var process = Process.GetProcessById(server.ProcessId ?? throw new InvalidOperationException("no process")))
            {
                process.Kill(); // SIGKILL: no chance to flush anything
                await process.WaitForExitAsync();
            }

            await server.DisposeAsync();
            server = await CosmosServerProcess.EnsureRunningAsync(new CosmosServerOptions { Port = port }, LocalSystem.FindRepoRoot(), dataDirectory, NullLogger.Instance, CancellationToken.None);
            using (var client = CosmosServerFixture.NewClient(server.Options))
            {
                var container = client.GetContainer(databaseId, containerId);
                var a = await container.ReadItemAsync<Doc>("a", new PartitionKey("p1"));
                Assert.Equal((new Doc("a", "p1", 1), etag), (a.Resource, a.ETag));
                using (var gone = await container.ReadItemStreamAsync("gone", new PartitionKey("p2")))
                {
                    Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
                }

                var duplicate = await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new Doc("b", "p2", 9), new PartitionKey("p2")));
                Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

                await container.ReplaceItemAsync(new Doc("a", "p1", 2), "a", new PartitionKey("p1"), new ItemRequestOptions { IfMatchEtag = etag });
                await container.CreateItemAsync(new Doc("c", "p3", 1), new PartitionKey("p3"));
                var (changes, _) = await ReadChangesAsync(container, ChangeFeedStartFrom.ContinuationToken(continuation));
                Assert.Equal([new Doc("a", "p1", 2), new Doc("c", "p3", 1)], changes);
            }
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Throughput_of_point_operations_with_8_concurrent_callers()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        const int callers = 8;
        const int perCaller = 125;

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < perCaller; i++)
            {
                await container.CreateItemAsync(new Doc($"{c}-{i}", $"p{c}-{i % 10}", i), new PartitionKey($"p{c}-{i % 10}"));
            }
        })));
        var creates = callers * perCaller / watch.Elapsed.TotalSeconds;

        watch.Restart();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < perCaller; i++)
            {
                await container.ReadItemAsync<Doc>($"{c}-{i}", new PartitionKey($"p{c}-{i % 10}"));
            }
        })));
        var reads = callers * perCaller / watch.Elapsed.TotalSeconds;

        output.WriteLine($"local Cosmos DB server, {callers} concurrent callers: {creates:F0} creates/s, {reads:F0} reads/s");
        Assert.Equal(callers * perCaller, (await ReadAllAsync(container.GetItemQueryIterator<int>("SELECT VALUE COUNT(1) FROM c"))).Single());
    }

    /// <summary>Reads a change feed until it has nothing more (304), returning the changes and the continuation to resume from.</summary>
    private static async Task<(List<Doc> Changes, string Continuation)> ReadChangesAsync(Container container, ChangeFeedStartFrom start, int? pageSize = null)
    {
        using var iterator = container.GetChangeFeedIterator<Doc>(start, ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = pageSize });
        var changes = new List<Doc>();
        while (true)
        {
            var page = await iterator.ReadNextAsync();
            if (page.StatusCode == HttpStatusCode.NotModified)
            {
                return (changes, page.ContinuationToken);
            }

            changes.AddRange(page);
        }
    }

    /// <summary>Collects what a change feed processor delivers, as "id:version".</summary>
    private sealed class ChangeCollector
    {
        private readonly List<string> _received = [];

        public List<string> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public ChangeFeedProcessor Build(Container container, Container leases, string instance) =>
            container.GetChangeFeedProcessorBuilder<Doc>("projector", (changes, _) =>
                {
                    lock (_received)
                    {
                        _received.AddRange(changes.Select(d => $"{d.Id}:{d.Version}"));
                    }

                    return Task.CompletedTask;
                })
                .WithInstanceName(instance)
                .WithLeaseContainer(leases)
                .WithStartTime(DateTime.MinValue.ToUniversalTime())
                .WithPollInterval(TimeSpan.FromMilliseconds(100))
                .WithLeaseConfiguration(acquireInterval: TimeSpan.FromSeconds(1), expirationInterval: TimeSpan.FromSeconds(10), renewInterval: TimeSpan.FromSeconds(2))
                .Build();

        /// <summary>Waits until exactly <paramref name="expected"/> (in order) was delivered, then a little longer to catch repeats.</summary>
        public async Task WaitForAsync(string[] expected)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Received.Count < expected.Length && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            await Task.Delay(500);
            Assert.Equal(expected, Received);
        }
    }

    private static async Task<List<T>> ReadAllAsync<T>(FeedIterator<T> iterator)
    {
        using (iterator)
        {
            var items = new List<T>();
            while (iterator.HasMoreResults)
            {
                items.AddRange(await iterator.ReadNextAsync());
            }

            return items;
        }
    }
}
