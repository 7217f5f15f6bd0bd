using System.Diagnostics;
using System.Net;
using Microsoft.Azure.Cosmos;
using Xunit.Abstractions;

namespace Serverless.IntegrationTests.Cosmos;

/// <summary>The local Cosmos DB server behaves like Cosmos DB for what the storage adapters use, through the real SDK.</summary>
[Collection("cosmos")]
public sealed class LocalCosmosServerTests(CosmosServerFixture cosmos, ITestOutputHelper output)
{
    public sealed record Doc(string Id, string Pk, int Version, string? Name = null);

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
    public async Task Throughput_of_point_operations_with_8_concurrent_callers()
    {
        var container = await cosmos.CreateContainerAsync("/pk");
        const int callers = 8;
        const int perCaller = 250;

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
