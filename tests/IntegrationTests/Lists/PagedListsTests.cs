using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.IntegrationTests.Identity;
using Serverless.IntegrationTests.OrderHistory;
using Serverless.MobileBff.ListingOrders;
using Serverless.Notifications.Sending;
using Serverless.Notifications.Storage.Sqlite;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Reading;
using Serverless.OrderHistory.Rebuilding;
using Serverless.OrderHistory.Storage.Sqlite;
using Serverless.Orders.Domain;
using Serverless.Orders.ReadingOrders;
using Serverless.Orders.Storage.Sqlite;

namespace Serverless.IntegrationTests.Lists;

/// <summary>
/// The five paged lists (API.md, "Lists are paged"), each function called as its host calls it, over its
/// SQLite adapter and a real token: limit 1..n, every page walked through its <c>Link</c> equals the unpaged
/// list, the default is 100, and a bad limit or cursor is a 400 naming it.
/// </summary>
public sealed class PagedListsTests : IDisposable
{
    private static readonly RsaSecurityKey Key = Jwt.NewKey("paging-test");
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly OrderPlaced Placed = new("alice", [new OrderLine("SKU-1", 1, 10m)], 10m, new ShippingAddress("1 Main St", "Seoul", "04524", "KR"));

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paging-it-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly TokenValidator _auth = new(new FixedKeys(), Options.Create(new AuthOptions()), NullLogger<TokenValidator>.Instance);
    private readonly SqliteOrderEventStore _orders;

    public PagedListsTests()
    {
        Directory.CreateDirectory(_folder);
        _orders = new SqliteOrderEventStore(Database("orders", SqliteOrderEventStore.Schema), TimeProvider.System, Options.Create(new OrderEventStoreOptions()));
    }

    public static TheoryData<string> Lists => ["/api/orders", "/api/orders/order-1/events", "/api/order-history", "/api/notifications", "/bff/mobile/orders"];

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task EveryLimit_WalksThroughLink_ToTheUnpagedList_NoneRepeatedOrSkipped(string path)
    {
        var list = await ListAsync(path, count: 5);
        var all = await GetAsync(list, path);
        Assert.Null(all.Link);
        Assert.Equal(5, all.Items.Count);

        for (var limit = 1; limit <= 6; limit++)
        {
            var walked = new List<string>();
            var url = $"{path}?limit={limit}";
            var pages = 0;
            while (url is not null)
            {
                var page = await GetAsync(list, url);
                Assert.InRange(page.Items.Count, 1, limit);
                walked.AddRange(page.Items);
                url = page.Link;
                pages++;
                if (url is not null)
                {
                    Assert.StartsWith(path + "?", url, StringComparison.Ordinal); // the public path, relative
                }
            }

            Assert.Equal(all.Items, walked);
            Assert.Equal((5 + limit - 1) / limit, pages);
        }
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task WithoutALimit_APageHolds100(string path)
    {
        var list = await ListAsync(path, count: 101);

        var first = await GetAsync(list, path);
        Assert.Equal(100, first.Items.Count);
        Assert.NotNull(first.Link);
        Assert.Contains("limit=100", first.Link, StringComparison.Ordinal);
        var second = await GetAsync(list, first.Link);
        Assert.Single(second.Items);
        Assert.Null(second.Link);
        Assert.DoesNotContain(second.Items[0], first.Items);
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task ALimitOutside1To500_OrNotAnInteger_OrABadCursor_IsA400NamingIt(string path)
    {
        var list = await ListAsync(path, count: 1);
        foreach (var (query, field) in new[] { ("limit=0", "limit"), ("limit=501", "limit"), ("limit=abc", "limit"), ("limit=2&cursor=%24%24", "cursor"), ("cursor=" + Paging.EncodeCursor("nonsense"), "cursor") })
        {
            var result = await list(Request($"{path}?{query}"));
            var problem = Assert.IsType<ValidationProblemDetails>(Assert.IsType<ObjectResult>(result).Value);
            Assert.True(problem.Status == 400 && problem.Errors.ContainsKey(field), $"{path}?{query}: {problem.Status} {string.Join(",", problem.Errors.Keys)}");
        }

        Assert.Single((await GetAsync(list, $"{path}?limit=500")).Items);
    }

    [Fact]
    public async Task OrdersPlacedBetweenPageReads_NeitherRepeatNorShiftTheNextPage()
    {
        var list = await ListAsync("/api/orders", count: 4);
        var all = (await GetAsync(list, "/api/orders")).Items;

        var first = await GetAsync(list, "/api/orders?limit=2");
        await PlaceAsync("order-new");
        var second = await GetAsync(list, first.Link!);

        Assert.Equal(all.Take(2), first.Items);
        Assert.Equal(all.Skip(2), second.Items);
    }

    /// <summary>A customer with <paramref name="count"/> items in the list at <paramref name="path"/>; the function that answers it.</summary>
    private async Task<Func<HttpRequest, Task<IActionResult>>> ListAsync(string path, int count)
    {
        var orders = new OrderQueryFunctions(_orders, _auth);
        switch (path)
        {
            case "/api/orders":
                await PlaceManyAsync(count);
                return orders.ListOrders;
            case "/bff/mobile/orders":
                await PlaceManyAsync(count);
                return new MyOrdersFunction(new InProcessOrders(orders), _auth).Get;
            case "/api/orders/order-1/events":
                await PlaceAsync("order-1");
                for (var version = 1; version < count; version++)
                {
                    await _orders.AppendAsync("order-1", version, [new CancellationRequested($"alice-{version}")]);
                }

                return request => orders.GetOrderEvents(request, "order-1");
            case "/api/order-history":
                var history = new SqliteOrderHistoryStore(Database("history", SqliteOrderHistoryStore.Schema.WithMessaging()), TimeProvider.System);
                // Pairs at the same minute: the order id breaks the tie.
                await history.ApplyAsync([.. Enumerable.Range(0, count).Select(i => HistoryEvents.Placed($"order-{i}", "alice", 10m + i, minute: i / 2))]);
                await history.ApplyAsync([HistoryEvents.Placed("order-bob", "bob", 1m)]);
                return new HistoryFunctions(history, null!, null!, _auth).Get;
            case "/api/notifications":
                var notifications = new SqliteNotificationStore(Database("notifications", SqliteNotificationStore.Schema.WithMessaging()));
                for (var i = 0; i < count; i++)
                {
                    await notifications.TryAddAsync($"m-{i}", "alice", new Notification($"order-{i}:OrderReceived", "OrderReceived", $"order-{i}", T0.AddMinutes(i / 2)));
                }

                await notifications.TryAddAsync("m-bob", "bob", new Notification("order-bob:OrderReceived", "OrderReceived", "order-bob", T0));
                return new NotificationFunctions(notifications, _auth).Get;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, null);
        }
    }

    private async Task PlaceManyAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await PlaceAsync($"order-{i}");
        }

        await _orders.AppendAsync("order-bob", 0, [Placed with { CustomerId = "bob" }], newStream: ("bob", null));
    }

    private Task PlaceAsync(string orderId) => _orders.AppendAsync(orderId, 0, [Placed], newStream: ("alice", null));

    /// <summary>Calls the list at a (relative) URL as alice: each item as JSON text, and the next page's URL, if any.</summary>
    private static async Task<(List<string> Items, string? Link)> GetAsync(Func<HttpRequest, Task<IActionResult>> list, string url)
    {
        var request = Request(url);
        var result = await list(request);
        var ok = Assert.IsType<OkObjectResult>(result);
        var items = JsonSerializer.SerializeToElement(ok.Value, JsonBody.Options).EnumerateArray().Select(e => e.GetRawText()).ToList();
        var link = request.HttpContext.Response.Headers.Link.ToString();
        if (string.IsNullOrEmpty(link))
        {
            return (items, null);
        }

        Assert.Matches("^<[^>]+>; rel=\"next\"$", link);
        return (items, link[1..link.IndexOf('>', StringComparison.Ordinal)]);
    }

    private static HttpRequest Request(string url)
    {
        var context = new DefaultHttpContext();
        var question = url.IndexOf('?', StringComparison.Ordinal);
        context.Request.Path = question < 0 ? url : url[..question];
        context.Request.QueryString = new QueryString(question < 0 ? "" : url[question..]);
        context.Request.Headers.Authorization = "Bearer " + Jwt.Sign(Key, "alice", Roles.Customer, expires: DateTime.UtcNow.AddHours(1));
        return context.Request;
    }

    private SqliteDatabase Database(string name, string schema) => new(Path.Combine(_folder, name + ".db"), schema);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed class FixedKeys : ISigningKeySource
    {
        public Task<IReadOnlyCollection<SecurityKey>> GetKeysAsync(bool refresh, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyCollection<SecurityKey>>([Key]);
    }

    /// <summary>The mobile BFF's "orders" client, answered by Orders' list function in process (status, JSON body and <c>Link</c>).</summary>
    private sealed class InProcessOrders(OrderQueryFunctions orders) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(new Handler(orders)) { BaseAddress = new Uri("http://orders/") };

        private sealed class Handler(OrderQueryFunctions orders) : HttpMessageHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
            {
                var context = new DefaultHttpContext();
                context.Request.Path = message.RequestUri!.AbsolutePath;
                context.Request.QueryString = new QueryString(message.RequestUri.Query);
                context.Request.Headers.Authorization = message.Headers.Authorization!.ToString();
                var result = Assert.IsAssignableFrom<ObjectResult>(await orders.ListOrders(context.Request));
                var response = new HttpResponseMessage((HttpStatusCode)(result.StatusCode ?? 200))
                {
                    Content = new StringContent(JsonSerializer.Serialize(result.Value, JsonBody.Options), System.Text.Encoding.UTF8, "application/json"),
                };
                if (context.Response.Headers.Link is { Count: > 0 } link)
                {
                    response.Headers.TryAddWithoutValidation("Link", link.ToString());
                }

                return response;
            }
        }
    }
}
