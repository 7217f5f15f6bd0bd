using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Reliability.Scenarios;

/// <summary>
/// Attacks on the running system through the gateway only (issue 9, security): forged tokens, one
/// customer reaching for another's data, server-owned fields from the client, customers on admin and
/// ops endpoints, floods, hostile JSON, injection-looking ids, secrets in logs and error bodies, and
/// 1,000 generated malformed requests. Each row asserts the exact answer of API.md (RFC 9457 problem
/// details) and, where a request must change nothing, that balances, stock and order lists are the
/// same before and after.
/// </summary>
public static class SecurityScenarios
{
    private const string Group = "security";
    private const string Profile = "shared";
    private const string ProblemType = "application/problem+json";
    public const int FuzzSeed = 9_009;
    public const int FuzzCount = 1_000;

    /// <summary>Azurite's well-known development account key (the AppHost's connection string holds it).</summary>

    /// <summary>Every error body a security row has seen in this process: the secrets row scans them.</summary>
    private static readonly ConcurrentQueue<string> ErrorBodies = new();

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new(Group, "JWT: none alg, wrong key, expired, not yet valid, wrong issuer or audience, tampered", JwtAsync),
        new(Group, "BOLA: another customer's order, events, history, notifications, wallet, BFF pages", BolaAsync),
        new(Group, "mass assignment: server-owned fields from the client are ignored", MassAssignmentAsync),
        new(Group, "role checks on admin and ops endpoints", RoleChecksAsync),
        new(Group, "rate limit per caller, failed sign-ins counted", RateLimitAsync),
        new(Group, "oversized, deeply nested and malformed JSON", HostileJsonAsync),
        new(Group, "injection-looking ids and SKUs", InjectionAsync),
        new(Group, "no secrets in logs or error bodies", SecretsAsync),
        new(Group, $"fuzz: {FuzzCount:N0} malformed requests, only 4xx, nothing changes", FuzzAsync),
    ];

    // ---------------------------------------------------------------- JWT

    private static async Task<string> JwtAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var (sku, before) = await ArrangeAsync(system, "sec-jwt");

        using var metadata = await shop.Http.GetAsync(new Uri("auth/.well-known/openid-configuration", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        var issuer = (await metadata.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("issuer").GetString()!;
        var real = await shop.TokenAsync("alice");
        var jwt = new JsonWebToken(real);
        Assert.Equal(issuer, jwt.Issuer);
        var audience = Assert.Single(jwt.Audiences);
        var kid = jwt.Kid;

        // The issuer's own key (local mode keeps it in the data folder): a token that differs from a good one only in the claim under test.
        var pem = Directory.EnumerateFiles(system.Host.DataDirectory, "signing-key.pem", SearchOption.AllDirectories).Single();
        using var issuerRsa = RSA.Create();
        issuerRsa.ImportFromPem(await File.ReadAllTextAsync(pem));
        var issuerKey = new SigningCredentials(new RsaSecurityKey(issuerRsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256);
        using var strangerRsa = RSA.Create(2048);
        var strangerSameKid = new SigningCredentials(new RsaSecurityKey(strangerRsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256);
        var strangerOwnKid = new SigningCredentials(new RsaSecurityKey(strangerRsa) { KeyId = "attacker" }, SecurityAlgorithms.RsaSha256);
        using var jwks = await shop.Http.GetAsync(new Uri("auth/jwks", UriKind.Relative));
        var jwksBytes = SHA256.HashData(Encoding.UTF8.GetBytes(await jwks.Content.ReadAsStringAsync())).Concat(Encoding.UTF8.GetBytes(await jwks.Content.ReadAsStringAsync())).ToArray();
        var hmacWithPublicKey = new SigningCredentials(new SymmetricSecurityKey(jwksBytes) { KeyId = kid }, SecurityAlgorithms.HmacSha256);

        var now = DateTime.UtcNow;
        string Forge(SigningCredentials key, string iss, string aud, DateTime notBefore, DateTime? expires, string subject = "alice", string role = "customer") =>
            new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = iss,
                Audience = aud,
                IssuedAt = notBefore,
                NotBefore = notBefore,
                Expires = expires,
                Claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = role },
                SigningCredentials = key,
            });

        // Control: a token forged with the issuer's key and right claims is accepted, so each 401 below is the one defect it carries.
        var control = Forge(issuerKey, issuer, audience, now.AddMinutes(-1), now.AddMinutes(10));
        using (var ok = await SendAsync(system, HttpMethod.Get, "api/orders?limit=1", control))
        {
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"control token (issuer key, good claims) got {(int)ok.StatusCode}");
        }

        var parts = real.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]);
        var flipped = parts[1].ToCharArray();
        flipped[flipped.Length / 2] = flipped[flipped.Length / 2] == 'A' ? 'B' : 'A';
        var forged = new (string Name, string Token, string Path)[]
        {
            ("alg none", $"{B64("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{parts[1]}.", "api/orders?limit=1"),
            ("alg None, admin", $"{B64("{\"alg\":\"None\"}")}.{B64(payload.Replace("\"customer\"", "\"admin\"", StringComparison.Ordinal))}.", "ops/status"),
            ("signature stripped", $"{parts[0]}.{parts[1]}.", "api/orders?limit=1"),
            ("HS256 keyed with the public JWKS", Forge(hmacWithPublicKey, issuer, audience, now.AddMinutes(-1), now.AddMinutes(10)), "api/orders?limit=1"),
            ("fresh RSA key, the issuer's kid", Forge(strangerSameKid, issuer, audience, now.AddMinutes(-1), now.AddMinutes(10)), "api/orders?limit=1"),
            ("fresh RSA key, its own kid, admin", Forge(strangerOwnKid, issuer, audience, now.AddMinutes(-1), now.AddMinutes(10), "admin", "admin"), "ops/status"),
            ("expired an hour ago", Forge(issuerKey, issuer, audience, now.AddHours(-2), now.AddHours(-1)), "api/orders?limit=1"),
            ("not valid for another hour", Forge(issuerKey, issuer, audience, now.AddHours(1), now.AddHours(2)), "api/orders?limit=1"),
            ("no expiry", Forge(issuerKey, issuer, audience, now.AddMinutes(-1), null), "api/orders?limit=1"),
            ("wrong issuer", Forge(issuerKey, issuer + "-evil", audience, now.AddMinutes(-1), now.AddMinutes(10)), "api/orders?limit=1"),
            ("wrong audience", Forge(issuerKey, issuer, audience + "-other", now.AddMinutes(-1), now.AddMinutes(10)), "api/orders?limit=1"),
            ("payload byte flipped", $"{parts[0]}.{new string(flipped)}.{parts[2]}", "api/orders?limit=1"),
            ("payload rewritten to bob", $"{parts[0]}.{B64(payload.Replace("\"alice\"", "\"bob\"", StringComparison.Ordinal))}.{parts[2]}", "api/orders?limit=1"),
            ("payload rewritten to admin", $"{parts[0]}.{B64(payload.Replace("\"customer\"", "\"admin\"", StringComparison.Ordinal))}.{parts[2]}", "ops/status"),
            ("garbage", "not.a.jwt", "api/orders?limit=1"),
        };

        foreach (var (name, token, path) in forged)
        {
            foreach (var target in new[] { path, "bff/mobile/orders", "api/payments/accounts/alice" })
            {
                using var response = await SendAsync(system, HttpMethod.Get, target, token);
                await ExpectProblemAsync(response, $"{name} on GET /{target}", HttpStatusCode.Unauthorized);
            }
        }

        // A forged token must not place an order either.
        using (var place = await SendAsync(system, HttpMethod.Post, "api/orders", forged[4].Token, JsonContent.Create(ShopClient.Order(sku, 1))))
        {
            await ExpectProblemAsync(place, "POST /api/orders with a token of another key", HttpStatusCode.Unauthorized);
        }

        await AssertUnchangedAsync(system, sku, before);
        return $"{forged.Length} forged tokens × 3 endpoints -> 401 problem; control token with the issuer's key -> 200; nothing changed";
    }

    // ---------------------------------------------------------------- BOLA

    private static async Task<string> BolaAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var orderId = await shop.ConfirmedOrderAsync("alice", "sec-bola");
        // Wait until alice's read models show it, so bob's lists are checked when there is something to leak.
        await Poll.UntilAsync(async () => (await GetTextAsync(system, "api/order-history?limit=500", "alice")).Contains(orderId, StringComparison.Ordinal), "alice's history never showed her order");
        await Poll.UntilAsync(async () => (await GetTextAsync(system, "api/notifications?limit=500", "alice")).Contains(orderId, StringComparison.Ordinal), "alice's notifications never showed her order");
        Assert.Contains(orderId, await GetTextAsync(system, "bff/mobile/orders?limit=500", "alice"), StringComparison.Ordinal);
        var (sku, before) = await ArrangeAsync(system, "sec-bola");
        var aliceOrder = await GetTextAsync(system, $"api/orders/{orderId}", "alice");
        var aliceEvents = await GetTextAsync(system, $"api/orders/{orderId}/events", "alice");

        var reads = new[] { $"api/orders/{orderId}", $"api/orders/{orderId}/events", $"api/orders/{orderId}?asOfVersion=1", $"bff/web/orders/{orderId}" };
        foreach (var path in reads)
        {
            using var response = await SendAsync(system, HttpMethod.Get, path, await shop.TokenAsync("bob"));
            await ExpectProblemAsync(response, $"bob GET /{path}", HttpStatusCode.NotFound);
        }

        using (var cancel = await SendAsync(system, HttpMethod.Post, $"api/orders/{orderId}/cancel", await shop.TokenAsync("bob")))
        {
            await ExpectProblemAsync(cancel, $"bob POST /api/orders/{orderId}/cancel", HttpStatusCode.NotFound);
        }

        foreach (var list in new[] { "api/orders?limit=500", "api/order-history?limit=500", "api/notifications?limit=500", "bff/mobile/orders?limit=500",
                     "api/orders?customerId=alice&limit=500", "api/order-history?customerId=alice", "api/notifications?customerId=alice", "bff/mobile/orders?customerId=alice" })
        {
            var text = await GetTextAsync(system, list, "bob");
            Assert.False(text.Contains(orderId, StringComparison.Ordinal), $"bob's GET /{list} lists alice's order {orderId}");
        }

        // API.md: a wallet is for "admin, or the customer itself". Another customer's wallet is answered as orders are
        // ("404, not 403"): payments does not disclose whether it exists (the same 404 as for a customer with none).
        using (var wallet = await SendAsync(system, HttpMethod.Get, "api/payments/accounts/alice", await shop.TokenAsync("bob")))
        {
            await ExpectProblemAsync(wallet, "bob GET /api/payments/accounts/alice", HttpStatusCode.NotFound);
            Assert.DoesNotContain("balance", await wallet.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var nobody = await SendAsync(system, HttpMethod.Get, "api/payments/accounts/nobody-" + Guid.NewGuid().ToString("N")[..8], await shop.TokenAsync("bob")))
        {
            await ExpectProblemAsync(nobody, "bob GET a wallet that does not exist", HttpStatusCode.NotFound);
        }

        using (var own = await SendAsync(system, HttpMethod.Get, "api/payments/accounts/bob", await shop.TokenAsync("bob")))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode); // the customer itself may
        }

        foreach (var (user, customer) in new[] { ("bob", "alice"), ("bob", "bob") })
        {
            using var top = await SendAsync(system, HttpMethod.Put, $"api/payments/accounts/{customer}", await shop.TokenAsync(user), JsonContent.Create(new { balance = 1_000_000m }));
            await ExpectProblemAsync(top, $"{user} PUT /api/payments/accounts/{customer}", HttpStatusCode.Forbidden);
        }

        Assert.Equal(aliceOrder, await GetTextAsync(system, $"api/orders/{orderId}", "alice"));
        Assert.Equal(aliceEvents, await GetTextAsync(system, $"api/orders/{orderId}/events", "alice"));
        await AssertUnchangedAsync(system, sku, before);
        return $"bob on alice's order {orderId[..8]}: 4 reads and cancel -> 404, 8 lists without it; alice's wallet -> 404 (as one that does not exist), wallet writes 403; alice's order, events and the books unchanged";
    }

    // ---------------------------------------------------------------- mass assignment

    private static async Task<string> MassAssignmentAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var (sku, before) = await ArrangeAsync(system, "sec-mass");
        var claimedId = "mass-" + Guid.NewGuid().ToString("N");
        var hostile = new
        {
            orderId = claimedId,
            id = claimedId,
            customerId = "bob",
            status = "Confirmed",
            total = 0.01m,
            cancellationReason = "CancelledByCustomer",
            version = 99,
            items = new[] { new { sku, quantity = 2, unitPrice = 0.01m, price = 0.01m, total = 0.01m } },
            shippingAddress = new { line1 = "1 Sejong-daero", city = "Seoul", postalCode = "04524", country = "KR" },
        };
        var orderId = await shop.PlaceAsync("alice", hostile); // 202 Pending (asserted by PlaceAsync): the status from the client is not taken
        Assert.NotEqual(claimedId, orderId);
        var order = await shop.FinalAsync("alice", orderId);
        Assert.Equal("alice", order.CustomerId);
        Assert.Equal("Confirmed", order.Status);
        Assert.Null(order.CancellationReason);
        var line = Assert.Single(order.Items);
        Assert.Equal(before.Item.Price, line.UnitPrice);
        Assert.Equal(2 * before.Item.Price, order.Total);
        Assert.DoesNotContain(await shop.OrdersAsync("bob"), o => o.OrderId == orderId || o.OrderId == claimedId);
        using (var claimed = await SendAsync(system, HttpMethod.Get, $"api/orders/{claimedId}", await shop.TokenAsync("alice")))
        {
            await ExpectProblemAsync(claimed, "GET of the order id the client chose", HttpStatusCode.NotFound);
        }

        Assert.Equal(before.Alice - order.Total, await shop.BalanceAsync("alice"));
        Assert.Equal(before.Bob, await shop.BalanceAsync("bob"));
        var stock = await shop.StockAsync(sku);
        Assert.Equal(before.Item with { Available = before.Item.Available - 2 }, stock);

        // Server-owned inventory and wallet fields: reserved from an admin's PUT, a wallet's customerId from its body.
        using (var put = await SendAsync(system, HttpMethod.Put, $"api/inventory/{sku}", await shop.TokenAsync("admin"),
                   JsonContent.Create(new { available = stock.Available, price = stock.Price, reserved = 999, sku = "other-sku" })))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        Assert.Equal(stock, await shop.StockAsync(sku));
        using (var wallet = await SendAsync(system, HttpMethod.Put, "api/payments/accounts/alice", await shop.TokenAsync("admin"),
                   JsonContent.Create(new { balance = before.Alice, customerId = "bob" })))
        {
            Assert.Equal(HttpStatusCode.OK, wallet.StatusCode);
            Assert.Equal("alice", (await wallet.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customerId").GetString());
        }

        Assert.Equal(before.Bob, await shop.BalanceAsync("bob"));
        return $"order with customerId/status/total/unitPrice/orderId from the client: alice's, Pending then Confirmed at the catalogue price {line.UnitPrice} (total {order.Total}, charged {order.Total}); reserved and a wallet's customerId from bodies ignored";
    }

    // ---------------------------------------------------------------- roles

    private static async Task<string> RoleChecksAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var (sku, before) = await ArrangeAsync(system, "sec-roles");
        var admin = await shop.TokenAsync("admin");

        // API.md lists GET /ops/logs; a build that does not serve it yet answers 404 to everyone (the gateway's fallback): then it is left out.
        bool logsServed;
        using (var logsProbe = await SendAsync(system, HttpMethod.Get, "ops/logs?correlationId=probe", admin))
        {
            logsServed = logsProbe.StatusCode != HttpStatusCode.NotFound;
        }

        var adminOnly = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Put, $"api/inventory/{sku}", new { available = 0, price = 0.5m }),
            (HttpMethod.Put, "api/payments/accounts/alice", new { balance = 1_000_000m }),
            (HttpMethod.Put, "api/payments/accounts/bob", new { balance = 1_000_000m }),
            (HttpMethod.Get, "ops/status", null),
            (HttpMethod.Get, "ops/metrics", null),
            (HttpMethod.Get, "ops/traces/0af7651916cd43dd8448eb211c80319c", null),
            (HttpMethod.Get, "ops/logs?correlationId=x", null),
            (HttpMethod.Get, "ops/dead-letters", null),
            (HttpMethod.Delete, "ops/dead-letters", null),
            (HttpMethod.Post, "ops/dead-letters/replay", null),
            (HttpMethod.Put, "ops/faults/payments", new { mode = "down" }),
            (HttpMethod.Put, "ops/config/Shipping:SupportedCountries", new { value = "XX" }),
            (HttpMethod.Get, "api/orders/stats", null),
            (HttpMethod.Get, "api/order-history/lag", null),
            (HttpMethod.Post, "api/order-history/rebuild", null),
            (HttpMethod.Get, "bff/web/circuits", null),
            (HttpMethod.Get, "api/orders/feed", null),
            (HttpMethod.Get, "api/payments/feed", null),
            (HttpMethod.Get, "api/shipping/feed", null),
        };

        var checks = 0;
        foreach (var (method, path, body) in adminOnly.Where(e => logsServed || !e.Path.StartsWith("ops/logs", StringComparison.Ordinal)))
        {
            foreach (var user in new[] { "alice", "bob" })
            {
                using var response = await SendAsync(system, method, path, await shop.TokenAsync(user), body is null ? null : JsonContent.Create(body));
                await ExpectProblemAsync(response, $"{user} (customer) {method} /{path}", HttpStatusCode.Forbidden);
                checks++;
            }

            using var anonymous = await SendAsync(system, method, path, null, body is null ? null : JsonContent.Create(body));
            await ExpectProblemAsync(anonymous, $"anonymous {method} /{path}", HttpStatusCode.Unauthorized);
            checks++;
        }

        // Customer-only: an admin does not place orders (it has no wallet; API.md: POST /api/orders (customer)).
        using (var place = await SendAsync(system, HttpMethod.Post, "api/orders", admin, JsonContent.Create(ShopClient.Order(sku, 1))))
        {
            await ExpectProblemAsync(place, "admin POST /api/orders", HttpStatusCode.Forbidden);
        }

        using (var status = await SendAsync(system, HttpMethod.Get, "ops/status", admin))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode); // control: the admin may
        }

        using (var health = await shop.Http.GetAsync(new Uri("health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode); // payments was not switched down
        }

        await AssertUnchangedAsync(system, sku, before);
        return $"{checks / 3} admin/ops endpoints: customers 403, anonymous 401 ({checks} checks){(logsServed ? "" : "; /ops/logs not served by this build (404 to the admin too): not checked")}; admin POST /api/orders 403; admin control 200; nothing changed";
    }

    // ---------------------------------------------------------------- rate limit

    private static async Task<string> RateLimitAsync(Lab lab)
    {
        const int permits = 50;
        const int window = 30;
        var system = await lab.SystemAsync("security-rate-limit", new Dictionary<string, string>
        {
            ["Gateway__RateLimitPermits"] = permits.ToString(CultureInfo.InvariantCulture),
            ["Gateway__RateLimitWindowSeconds"] = window.ToString(CultureInfo.InvariantCulture),
        });
        var shop = system.Shop;
        var alice = await TokenOrWaitAsync(shop, "alice", window);
        var bob = await TokenOrWaitAsync(shop, "bob", window);

        // Failed sign-ins from one address: 401 until its window is spent, then 429 with Retry-After.
        var failed = 0;
        HttpResponseMessage? limited = null;
        for (var i = 0; i < permits + 5 && limited is null; i++)
        {
            var response = await SendAsync(system, HttpMethod.Post, "auth/token", null, JsonContent.Create(new { username = "alice", password = "wrong-" + i }));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                await ExpectProblemAsync(response, "a failed sign-in", HttpStatusCode.Unauthorized);
                response.Dispose();
                failed++;
            }
        }

        Assert.True(limited is not null, $"{permits + 5} failed sign-ins from one address, none answered 429");
        await ExpectRateLimitedAsync(limited, window, "the failed sign-in past the limit");
        limited.Dispose();
        Assert.True(failed <= permits, $"{failed} failed sign-ins answered before the first 429 (limit {permits})");

        // The address is limited, whatever the credentials: the right password too.
        using (var right = await SendAsync(system, HttpMethod.Post, "auth/token", null, JsonContent.Create(new { username = "alice", password = "alice-password" })))
        {
            await ExpectRateLimitedAsync(right, window, "a correct sign-in from the limited address");
        }

        // Per caller: alice and bob (their tokens' subjects) still have their own allowance.
        foreach (var (name, token) in new[] { ("alice", alice), ("bob", bob) })
        {
            using var own = await SendAsync(system, HttpMethod.Get, "api/orders?limit=1", token);
            Assert.True(own.StatusCode == HttpStatusCode.OK, $"{name} was limited by failed sign-ins of the address: {(int)own.StatusCode}");
        }

        // alice floods: 200 until her window is spent, then 429; bob is unaffected.
        var served = 0;
        HttpResponseMessage? aliceLimited = null;
        for (var i = 0; i < permits + 5 && aliceLimited is null; i++)
        {
            var response = await SendAsync(system, HttpMethod.Get, "api/orders?limit=1", alice);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                aliceLimited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
                served++;
            }
        }

        Assert.True(aliceLimited is not null, $"alice sent {permits + 5} calls, none answered 429");
        await ExpectRateLimitedAsync(aliceLimited, window, "alice past her limit");
        aliceLimited.Dispose();
        Assert.True(served <= permits, $"alice was served {served} calls before the first 429 (limit {permits})");
        using (var bobCall = await SendAsync(system, HttpMethod.Get, "api/orders?limit=1", bob))
        {
            Assert.True(bobCall.StatusCode == HttpStatusCode.OK, $"bob was limited by alice's flood: {(int)bobCall.StatusCode}");
        }

        // A forged token naming bob is not bob: it counts against the address (already limited), never against bob's allowance.
        using (var forged = await SendAsync(system, HttpMethod.Get, "api/orders?limit=1", $"{bob.Split('.')[0]}.{bob.Split('.')[1]}.AAAA"))
        {
            Assert.True(forged.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Unauthorized, $"a forged token got {(int)forged.StatusCode}");
        }

        return $"limit {permits}/{window} s: {failed} failed sign-ins then 429 + Retry-After (a correct one too); alice {served} calls then 429, bob and alice unaffected by the address's limit";
    }

    private static async Task<string> TokenOrWaitAsync(ShopClient shop, string user, int window)
    {
        // The harness's /health polling at start-up spends the address's window too: wait for the next one if needed.
        var deadline = DateTime.UtcNow.AddSeconds(window * 2 + 5);
        while (true)
        {
            try
            {
                return await shop.TokenAsync(user);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }
        }
    }

    private static async Task ExpectRateLimitedAsync(HttpResponseMessage response, int window, string what)
    {
        await ExpectProblemAsync(response, what, HttpStatusCode.TooManyRequests);
        var retryAfter = response.Headers.RetryAfter;
        Assert.True(retryAfter?.Delta is { } delta && delta > TimeSpan.Zero && delta <= TimeSpan.FromSeconds(window),
            $"{what}: Retry-After is '{retryAfter}', not 1..{window} seconds");
    }

    // ---------------------------------------------------------------- hostile JSON

    private static async Task<string> HostileJsonAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var (sku, before) = await ArrangeAsync(system, "sec-json");
        var alice = await shop.TokenAsync("alice");
        var admin = await shop.TokenAsync("admin");
        var targets = new (string What, HttpMethod Method, string Path, string? Token)[]
        {
            ("place", HttpMethod.Post, "api/orders", alice),
            ("stock", HttpMethod.Put, $"api/inventory/{sku}", admin),
            ("wallet", HttpMethod.Put, "api/payments/accounts/alice", admin),
            ("sign-in", HttpMethod.Post, "auth/token", null),
            ("fault", HttpMethod.Put, "ops/faults/payments", admin),
            ("config", HttpMethod.Put, "ops/config/Shipping:SupportedCountries", admin),
        };

        var huge = "{\"items\":[{\"sku\":\"" + new string('a', 70 * 1024) + "\",\"quantity\":1}]}";
        var deepArrays = new string('[', 5_000) + new string(']', 5_000);
        var deepObjects = string.Concat(Enumerable.Repeat("{\"a\":", 2_000)) + "1" + new string('}', 2_000);
        var malformed = new[]
        {
            "{", "}", "{\"items\":", "not json", "[]", "null", "\"text\"", "42", "true", "{\"a\":1,}", "{'items':[]}", "{\"items\":[{\"sku\":\"x\",\"quantity\":1}]",
            "{\"username\":\"alice\" \"password\":\"x\"}", "\u00ef\u00bb\u00bf{}", "{\"a\":\"\\uD800\"}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"value\":{}}",
            deepArrays, deepObjects,
        };
        var seen = new SortedDictionary<int, int>();
        async Task Expect(HttpContent content, string what, string method, HttpStatusCode status, string path, HttpMethod verb, string? token)
        {
            using var response = await SendAsync(system, verb, path, token, content);
            await ExpectProblemAsync(response, $"{what} to {method} /{path}", status);
            seen[(int)status] = seen.GetValueOrDefault((int)status) + 1;
        }

        foreach (var (what, method, path, token) in targets)
        {
            await Expect(new StringContent(huge, Encoding.UTF8, "application/json"), "70 KiB body", what, HttpStatusCode.RequestEntityTooLarge, path, method, token);
            await Expect(new ChunkedContent(Encoding.UTF8.GetBytes(huge)), "70 KiB chunked body (no Content-Length)", what, HttpStatusCode.RequestEntityTooLarge, path, method, token);
            foreach (var body in malformed)
            {
                await Expect(new StringContent(body, Encoding.UTF8, "application/json"), $"malformed body '{Trim(body, 24)}'", what, HttpStatusCode.BadRequest, path, method, token);
            }

            await Expect(new ByteArrayContent([0xff, 0xfe, 0x7b, 0x00, 0xc3, 0x28]) { Headers = { ContentType = new("application/json") } }, "invalid UTF-8", what, HttpStatusCode.BadRequest, path, method, token);
            await Expect(new StringContent("", Encoding.UTF8, "application/json"), "empty body", what, HttpStatusCode.BadRequest, path, method, token);
        }

        // Well-formed JSON with the wrong types and values for each field.
        var wrongOrders = new object[]
        {
            new { items = "x", shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku, quantity = "two" } }, shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku, quantity = 1.5 } }, shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku, quantity = 0 } }, shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku, quantity = -1 } }, shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku, quantity = 1001 } }, shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku, quantity = long.MaxValue } }, shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = Enumerable.Range(0, 51).Select(_ => new { sku, quantity = 1 }).ToArray(), shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = Array.Empty<object>(), shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku = "", quantity = 1 } }, shippingAddress = new { line1 = "a", city = "b", postalCode = "c", country = "KR" } },
            new { items = new[] { new { sku, quantity = 1 } } },
            new { items = new[] { new { sku, quantity = 1 } }, shippingAddress = "Seoul" },
        };
        foreach (var order in wrongOrders)
        {
            await Expect(JsonContent.Create(order), $"order {Trim(JsonSerializer.Serialize(order), 60)}", "place", HttpStatusCode.BadRequest, "api/orders", HttpMethod.Post, alice);
        }

        foreach (var raw in new[] { "{\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":1e309}],\"shippingAddress\":{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}",
                     "{\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":99999999999999999999999}],\"shippingAddress\":{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}" })
        {
            await Expect(new StringContent(raw, Encoding.UTF8, "application/json"), "a huge quantity", "place", HttpStatusCode.BadRequest, "api/orders", HttpMethod.Post, alice);
        }

        foreach (var stock in new object[] { new { available = -1, price = 1m }, new { available = 1, price = 0m }, new { available = 1, price = -3m }, new { available = "1", price = 1m },
                     new { available = 1.5, price = 1m }, new { available = 1, price = 1.234m }, new { available = 1 }, new { price = 1m } })
        {
            await Expect(JsonContent.Create(stock), $"stock {JsonSerializer.Serialize(stock)}", "stock", HttpStatusCode.BadRequest, $"api/inventory/{sku}", HttpMethod.Put, admin);
        }

        await Expect(new StringContent("{\"available\":1,\"price\":1e400}", Encoding.UTF8, "application/json"), "price 1e400", "stock", HttpStatusCode.BadRequest, $"api/inventory/{sku}", HttpMethod.Put, admin);
        foreach (var wallet in new object[] { new { balance = -1m }, new { balance = "100" }, new { balance = 1.001m }, new { } })
        {
            await Expect(JsonContent.Create(wallet), $"wallet {JsonSerializer.Serialize(wallet)}", "wallet", HttpStatusCode.BadRequest, "api/payments/accounts/alice", HttpMethod.Put, admin);
        }

        await Expect(new StringContent("{\"balance\":1e400}", Encoding.UTF8, "application/json"), "balance 1e400", "wallet", HttpStatusCode.BadRequest, "api/payments/accounts/alice", HttpMethod.Put, admin);
        foreach (var signIn in new object[] { new { username = 1, password = 2 }, new { username = "alice" }, new { password = "alice-password" }, new { username = new[] { "alice" }, password = "alice-password" } })
        {
            await Expect(JsonContent.Create(signIn), $"sign-in {JsonSerializer.Serialize(signIn)}", "sign-in", HttpStatusCode.BadRequest, "auth/token", HttpMethod.Post, null);
        }

        await AssertUnchangedAsync(system, sku, before);
        using (var health = await shop.Http.GetAsync(new Uri("health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        return $"{seen.Values.Sum()} hostile bodies on 6 endpoints: {string.Join(", ", seen.Select(s => $"{s.Value}×{s.Key}"))}, all problem+json; nothing changed";
    }

    // ---------------------------------------------------------------- injection

    private static readonly string[] InjectionIds =
    [
        "' OR '1'='1", "1; DROP TABLE orders;--", "\" OR \"\"=\"", "1' UNION SELECT * FROM sqlite_master--", "%", "_", "*", "%25", "{\"$ne\":null}",
        "$where", "SELECT * FROM c", "<script>alert(1)</script>", "../../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2f", "..\\..\\windows",
        "null", "undefined", "0", "-1", "00000000-0000-0000-0000-000000000000", "\u202Eevil", "名前", "😀", "a\u0000b", "a b", "a\nb", "a\tb", new string('a', 1_000),
        "orders/../alice", "alice", "admin", "alice#x", "alice?customerId=bob",
    ];

    private static bool IsSku(string text) =>
        text.Length is > 0 and <= 64 && text.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.');

    private static async Task<string> InjectionAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var (sku, before) = await ArrangeAsync(system, "sec-inject");
        var alice = await shop.TokenAsync("alice");
        var admin = await shop.TokenAsync("admin");
        var answers = new SortedDictionary<int, int>();
        async Task Expect(HttpMethod method, string path, string token, HttpContent? body, string what, params HttpStatusCode[] allowed)
        {
            using var response = await SendAsync(system, method, path, token, body);
            await ExpectProblemAsync(response, what, allowed);
            answers[(int)response.StatusCode] = answers.GetValueOrDefault((int)response.StatusCode) + 1;
        }

        foreach (var raw in InjectionIds)
        {
            var id = Uri.EscapeDataString(raw);
            var what = $"id '{Trim(raw, 30)}'";
            if (raw.Contains('\0', StringComparison.Ordinal))
            {
                // An encoded NUL in a path is refused by the HTTP server itself (Kestrel: 400, no body, connection
                // closed) before any middleware runs, so no problem body can be written: the one exception, asserted exactly.
                foreach (var path in new[] { $"api/orders/{id}", $"api/inventory/{id}", $"bff/web/orders/{id}" })
                {
                    using var refused = await SendAsync(system, HttpMethod.Get, path, alice);
                    Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                    Assert.Empty(await refused.Content.ReadAsStringAsync());
                    answers[400] = answers.GetValueOrDefault(400) + 1;
                }

                continue;
            }

            // Unknown order or unknown SKU: 404; an id the service refuses to look up at all: 400; a path the gateway does not route: 404.
            await Expect(HttpMethod.Get, $"api/orders/{id}", alice, null, $"GET order {what}", HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
            await Expect(HttpMethod.Get, $"api/orders/{id}/events", alice, null, $"GET events {what}", HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
            await Expect(HttpMethod.Post, $"api/orders/{id}/cancel", alice, null, $"cancel {what}", HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
            await Expect(HttpMethod.Get, $"bff/web/orders/{id}", alice, null, $"BFF page {what}", HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
            await Expect(HttpMethod.Get, $"api/inventory/{id}", alice, null, $"GET SKU {what}", HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
            if (!IsSku(raw))
            {
                // Not a SKU by API's rule (letters, digits, '-', '_', '.'; 1-64): refused, never stored; and never ordered.
                // ('_', '0', '-1', 'null', 'alice' are SKUs by that rule: an admin may stock them, so they are only read here.)
                await Expect(HttpMethod.Put, $"api/inventory/{id}", admin, JsonContent.Create(new { available = 1_000, price = 0.01m }), $"PUT SKU {what}", HttpStatusCode.BadRequest, HttpStatusCode.NotFound);
                await Expect(HttpMethod.Post, "api/orders", alice, JsonContent.Create(ShopClient.Order(raw, 1)), $"order of SKU {what}", HttpStatusCode.BadRequest);
            }

            if (raw is not "alice")
            {
                // alice reading any other wallet id: 404, as for a wallet that does not exist (400 for an id refused outright)
                await Expect(HttpMethod.Get, $"api/payments/accounts/{id}", alice, null, $"alice GET wallet {what}", HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
            }

            using var list = await SendAsync(system, HttpMethod.Get, $"api/orders?limit=5&status={id}&customerId={id}&orderId={id}", alice);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode); // unknown query parameters are ignored: still alice's list
        }

        await AssertUnchangedAsync(system, sku, before);
        return $"{InjectionIds.Length} injection-looking ids and SKUs on 8 endpoints: {string.Join(", ", answers.Select(a => $"{a.Value}×{a.Key}"))}, all problem+json but Kestrel's bodiless 400 for an encoded NUL in a path; nothing changed";
    }

    // ---------------------------------------------------------------- secrets

    private static async Task<string> SecretsAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var (sku, _) = await ArrangeAsync(system, "sec-secrets");
        var tokens = new List<string> { await shop.TokenAsync("alice"), await shop.TokenAsync("bob"), await shop.TokenAsync("admin") };

        // Provoke the errors most likely to echo a secret: wrong passwords that are other users' passwords, tokens that are almost right, bodies that fail.
        var bodies = new List<string>();
        async Task Collect(HttpResponseMessage response)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync();
                bodies.Add(body + "\n" + response.Headers + response.Content.Headers);
            }
        }

        foreach (var (user, password) in new[] { ("bob", "alice-password"), ("alice", "admin-password"), ("admin-password", "bob-password"), ("alice", "orders-local-dev-key"), ("orders", "orders-local-dev-key") })
        {
            await Collect(await SendAsync(system, HttpMethod.Post, "auth/token", null, JsonContent.Create(new { username = user, password })));
        }

        await Collect(await SendAsync(system, HttpMethod.Post, "auth/token", null, new StringContent("{\"username\":\"alice\",\"password\":\"alice-password\"", Encoding.UTF8, "application/json")));
        await Collect(await SendAsync(system, HttpMethod.Post, "auth/token", null, new StringContent("{\"username\":\"alice\",\"password\":42}", Encoding.UTF8, "application/json")));
        var fresh = tokens[0];
        foreach (var almost in new[] { fresh + "x", fresh[..^4], fresh.Replace('.', '_'), fresh + "." + fresh })
        {
            await Collect(await SendAsync(system, HttpMethod.Get, "api/orders?limit=1", almost));
            await Collect(await SendAsync(system, HttpMethod.Get, "ops/status", almost));
        }

        await Collect(await SendAsync(system, HttpMethod.Get, "api/orders/not-there", tokens[1]));
        await Collect(await SendAsync(system, HttpMethod.Get, "api/payments/accounts/alice", tokens[1]));
        await Collect(await SendAsync(system, HttpMethod.Post, "api/orders", tokens[0], new StringContent("{\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":\"x\"}]}", Encoding.UTF8, "application/json")));
        await Collect(await SendAsync(system, HttpMethod.Get, "ops/traces/nothex", tokens[2]));
        await Collect(await SendAsync(system, HttpMethod.Put, "ops/config/" + Uri.EscapeDataString("Bad Key!"), tokens[2], JsonContent.Create(new { value = "x" })));
        await Collect(await SendAsync(system, HttpMethod.Get, "api/orders?limit=1&access_token=" + fresh, null));

        var secrets = await Secrets.OfAsync(system.Host, tokens);
        var texts = bodies.Select((b, i) => ($"error body #{i + 1}", b)).Concat(ErrorBodies.Select((b, i) => ($"earlier error body #{i + 1}", b))).ToList();
        // Let the log catch up with the last requests, then read all of it.
        await Task.Delay(1_500);
        texts.Add(("the AppHost log", await Secrets.ReadSharedAsync(system.Host.LogFile)));
        texts.Add(("the aggregated log", await Secrets.ReadSharedAsync(system.Host.AggregatedLogFile)));
        var found = (from t in texts from s in secrets where t.Item2.Contains(s.Value, StringComparison.Ordinal) select $"{s.Name} in {t.Item1}").Distinct().ToList();
        Assert.True(found.Count == 0, "secrets leaked: " + string.Join("; ", found.Take(10)));
        return $"{secrets.Count} secrets (tokens and their signatures, passwords, client secrets, hashes, Azurite and Cosmos keys, the signing key) absent from {texts.Count - 2} error bodies, the aggregated log and the AppHost log ({new FileInfo(system.Host.LogFile).Length / 1024} KiB)";
    }

    // ---------------------------------------------------------------- fuzz

    private static async Task<string> FuzzAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Profile);
        var shop = system.Shop;
        var (sku, before) = await ArrangeAsync(system, "sec-fuzz");
        var orderId = (await shop.OrdersAsync("alice")).FirstOrDefault()?.OrderId ?? Guid.NewGuid().ToString();
        var callers = new Dictionary<string, string?>
        {
            ["alice"] = await shop.TokenAsync("alice"),
            ["bob"] = await shop.TokenAsync("bob"),
            ["admin"] = await shop.TokenAsync("admin"),
            ["anonymous"] = null,
        };
        var requests = FuzzRequests.Generate(FuzzSeed, FuzzCount, sku, orderId);
        var offenders = new ConcurrentQueue<string>();
        var byStatus = new ConcurrentDictionary<int, int>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (fuzz, ct) =>
        {
            using var request = new HttpRequestMessage(fuzz.Method, new Uri(fuzz.Path, UriKind.Relative));
            if (fuzz.Caller is { } caller && callers[caller] is { } token)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            }

            if (fuzz.Body is { } body)
            {
                request.Content = new ByteArrayContent(body);
                if (fuzz.ContentType is { } type)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
                }
            }

            foreach (var (name, value) in fuzz.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }

            int status;
            string text;
            try
            {
                using var response = await shop.Http.SendAsync(request, ct);
                status = (int)response.StatusCode;
                text = await response.Content.ReadAsStringAsync(ct);
                if (status >= 400)
                {
                    ErrorBodies.Enqueue(text);
                }
            }
            catch (HttpRequestException ex)
            {
                status = 0;
                text = ex.Message;
            }

            byStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status is < 400 or >= 500)
            {
                offenders.Enqueue($"#{fuzz.Index} {fuzz.Caller ?? "anonymous"} {fuzz.Method} /{Trim(fuzz.Path, 80)} [{fuzz.Kind}] -> {status} {Trim(text, 120)}");
            }
        });

        Assert.True(offenders.IsEmpty, $"seed {FuzzSeed}: {offenders.Count} of {FuzzCount} answers not 4xx, first: " + string.Join(" | ", offenders.Take(8)));
        await AssertUnchangedAsync(system, sku, before);
        using (var health = await shop.Http.GetAsync(new Uri("health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        return $"seed {FuzzSeed}: {FuzzCount} malformed requests in {clock.Elapsed.TotalSeconds:0} s, {string.Join(", ", byStatus.OrderBy(s => s.Key).Select(s => $"{s.Value}×{s.Key}"))}; nothing changed";
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>What a security row must leave as it found it.</summary>
    private sealed record Snapshot(decimal Alice, decimal Bob, ItemView Item, string AliceOrders, string BobOrders);

    /// <summary>Wallets for both customers, a fresh SKU (10 at 3.00), every earlier order settled; then the books as they are.</summary>
    private static async Task<(string Sku, Snapshot Before)> ArrangeAsync(RunningSystem system, string prefix)
    {
        var shop = system.Shop;
        var sku = ShopClient.NewSku(prefix);
        await shop.PutStockAsync(sku, 10, 3m);
        foreach (var customer in new[] { "alice", "bob" })
        {
            using var wallet = await shop.SendAsync(HttpMethod.Get, $"api/payments/accounts/{customer}", "admin");
            if (wallet.StatusCode != HttpStatusCode.OK || (await wallet.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("balance").GetDecimal() < 50m)
            {
                await shop.SetBalanceAsync(customer, 100m);
            }
        }

        await Poll.UntilAsync(async () => !(await shop.OrdersAsync("alice")).Concat(await shop.OrdersAsync("bob")).Any(o => o.Status == "Pending"), "earlier orders of alice or bob are still Pending");
        return (sku, await SnapshotAsync(system, sku));
    }

    private static async Task<Snapshot> SnapshotAsync(RunningSystem system, string sku)
    {
        var shop = system.Shop;
        static string Orders(List<OrderView> orders) => string.Join(",", orders.Select(o => $"{o.OrderId}:{o.Status}:{o.Total}:{o.CustomerId}"));
        return new Snapshot(await shop.BalanceAsync("alice"), await shop.BalanceAsync("bob"), await shop.StockAsync(sku),
            Orders(await shop.OrdersAsync("alice")), Orders(await shop.OrdersAsync("bob")));
    }

    private static async Task AssertUnchangedAsync(RunningSystem system, string sku, Snapshot before)
    {
        var after = await SnapshotAsync(system, sku);
        Assert.True(before == after, $"the books changed:\n before {before}\n after  {after}");
    }

    private static async Task<HttpResponseMessage> SendAsync(RunningSystem system, HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        return await system.Shop.Http.SendAsync(request);
    }

    private static async Task<string> GetTextAsync(RunningSystem system, string path, string user)
    {
        using var response = await SendAsync(system, HttpMethod.Get, path, await system.Shop.TokenAsync(user));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{user} GET /{path}: {(int)response.StatusCode} {Trim(text, 200)}");
        return text;
    }

    /// <summary>Asserts an RFC 9457 answer with one of the allowed statuses (the status field matching), and keeps its body for the secrets row.</summary>
    private static async Task ExpectProblemAsync(HttpResponseMessage response, string what, params HttpStatusCode[] allowed)
    {
        var body = await response.Content.ReadAsStringAsync();
        ErrorBodies.Enqueue(body);
        Assert.True(allowed.Contains(response.StatusCode),
            $"{what}: expected {string.Join(" or ", allowed.Select(s => (int)s))}, got {(int)response.StatusCode} {Trim(body, 200)}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == ProblemType,
            $"{what}: {(int)response.StatusCode} as '{response.Content.Headers.ContentType}', not {ProblemType}: {Trim(body, 200)}");
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.TryGetProperty("status", out var status) && status.GetInt32() == (int)response.StatusCode,
            $"{what}: problem status field does not match {(int)response.StatusCode}: {Trim(body, 200)}");
        Assert.True(problem.RootElement.TryGetProperty("title", out var title) && !string.IsNullOrEmpty(title.GetString()), $"{what}: problem without a title");
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal); // never a stack trace
    }

    private static string B64(string text) => Base64UrlEncoder.Encode(text);

    internal static string Trim(string text, int length)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return clean.Length <= length ? clean : clean[..length] + "…";
    }

    /// <summary>A body sent without Content-Length (chunked), so only the limit on what is read can stop it.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 4096)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(4096, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
