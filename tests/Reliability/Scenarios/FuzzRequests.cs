using System.Globalization;
using System.Text;

namespace Serverless.Reliability.Scenarios;

/// <summary>One generated request: who sends it, what, and which kind of malformation it carries.</summary>
public sealed record FuzzRequest(int Index, string Kind, string? Caller, HttpMethod Method, string Path, byte[]? Body, string? ContentType, IReadOnlyList<(string Name, string Value)> Headers);

/// <summary>
/// Malformed requests across every endpoint of API.md, from a fixed seed (the same seed, the same
/// requests): wrong methods, bodies that are not JSON or JSON of the wrong shape, types and sizes,
/// hostile path ids and query values, broken or oversized headers, wrong content types. Each is
/// malformed for the endpoint it targets whoever sends it, so the only right answers are 4xx and
/// nothing may change. It never generates a well-formed write (a valid config key, a real service's
/// fault switch, a valid body), nor a no-body admin write (rebuild, replay, purge) as the admin.
/// </summary>
public static class FuzzRequests
{
    private static readonly string?[] Callers = ["alice", "bob", "admin", null];

    /// <summary>Path templates and the methods API.md gives them ({id}: an order id, {sku}, {customer}, {trace}, {service}, {key}).</summary>
    private static readonly (string Path, string[] Methods)[] Endpoints =
    [
        ("health", ["GET"]),
        ("auth/token", ["POST"]),
        ("auth/.well-known/openid-configuration", ["GET"]),
        ("auth/jwks", ["GET"]),
        ("api/inventory/{sku}", ["GET", "PUT"]),
        ("api/payments/accounts/{customer}", ["GET", "PUT"]),
        ("api/orders", ["GET", "POST"]),
        ("api/orders/{id}", ["GET"]),
        ("api/orders/{id}/cancel", ["POST"]),
        ("api/orders/{id}/events", ["GET"]),
        ("api/orders/stats", ["GET"]),
        ("api/orders/feed", ["GET"]),
        ("api/payments/feed", ["GET"]),
        ("api/shipping/feed", ["GET"]),
        ("api/order-history", ["GET"]),
        ("api/order-history/lag", ["GET"]),
        ("api/order-history/rebuild", ["POST"]),
        ("api/notifications", ["GET"]),
        ("bff/web/orders/{id}", ["GET"]),
        ("bff/web/circuits", ["GET"]),
        ("bff/mobile/orders", ["GET"]),
        ("ops/status", ["GET"]),
        ("ops/metrics", ["GET"]),
        ("ops/logs", ["GET"]),
        ("ops/traces/{trace}", ["GET"]),
        ("ops/dead-letters", ["GET", "DELETE"]),
        ("ops/dead-letters/replay", ["POST"]),
        ("ops/faults/{service}", ["PUT"]),
        ("ops/config/{key}", ["PUT"]),
    ];

    private static readonly string[] AllMethods = ["GET", "POST", "PUT", "DELETE", "PATCH"];
    private static readonly string[] PagedLists = ["api/orders", "api/order-history", "api/notifications", "bff/mobile/orders", "api/orders/{id}/events", "ops/logs"];
    private static readonly string[] BadLimits = ["0", "-1", "501", "abc", "1e3", "99999999999999999999", "", "1.5", "%00", "0x10", "５", "-0", "NaN"];
    private static readonly string[] BadIds =
    [
        "' OR '1'='1", "1;DROP TABLE orders", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fauth%2ftoken", "..%5c..%5cwin.ini", "%00", "a%00b", "%ff%fe",
        "<script>", "{\"$gt\":\"\"}", "*", "%25", "名前", "😀😀", "\u202Eabc", "null", "-1", "1e999", "a b", "%0d%0aSet-Cookie:x=1",
    ];

    public static IReadOnlyList<FuzzRequest> Generate(int seed, int count, string sku, string orderId)
    {
        var random = new Random(seed);
        var requests = new List<FuzzRequest>(count);
        for (var i = 0; i < count; i++)
        {
            var caller = Callers[random.Next(Callers.Length)];
            requests.Add((random.Next(6)) switch
            {
                0 => WrongMethod(i, random, caller, sku, orderId),
                1 or 2 => BadBody(i, random, caller, sku),
                3 => BadPath(i, random, caller),
                4 => BadQuery(i, random, caller, orderId),
                _ => BadHeaders(i, random, caller, sku),
            });
        }

        return requests;
    }

    private static FuzzRequest WrongMethod(int i, Random random, string? caller, string sku, string orderId)
    {
        var (template, methods) = Endpoints[random.Next(Endpoints.Length)];
        var wrong = AllMethods.Except(methods).ToArray();
        var method = wrong[random.Next(wrong.Length)];
        var path = Fill(template, sku, orderId, "payments", "Shipping:SupportedCountries", "0af7651916cd43dd8448eb211c80319c", "alice");
        byte[]? body = method is "GET" or "DELETE" ? null : Garbage(random, 64);
        return new(i, "wrong method", caller, new HttpMethod(method), path, body, body is null ? null : "application/json", []);
    }

    /// <summary>A body malformed for the endpoint it goes to (never a valid one, whatever the caller).</summary>
    private static FuzzRequest BadBody(int i, Random random, string? caller, string sku)
    {
        var target = random.Next(6);
        var (method, path, wrongShapes) = target switch
        {
            0 => ("POST", "api/orders", new[]
            {
                "{\"items\":\"x\",\"shippingAddress\":{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}",
                $"{{\"items\":[{{\"sku\":\"{sku}\",\"quantity\":-{random.Next(1, 1000)}}}],\"shippingAddress\":{{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}}}",
                $"{{\"items\":[{{\"sku\":\"{sku}\",\"quantity\":{random.Next(1001, int.MaxValue)}}}],\"shippingAddress\":{{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}}}",
                $"{{\"items\":[{{\"sku\":\"{sku}\",\"quantity\":1e{random.Next(10, 999)}}}],\"shippingAddress\":{{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}}}",
                $"{{\"items\":[{{\"sku\":\"{sku}\",\"quantity\":\"1\"}}],\"shippingAddress\":{{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}}}",
                $"{{\"items\":[{{\"sku\":\"{sku}\",\"quantity\":0}}]}}",
                "{\"items\":[{\"sku\":\"\\ud800\\udc00\\u0000../x\",\"quantity\":1}],\"shippingAddress\":{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}",
                $"{{\"items\":[{{\"sku\":{{\"$ne\":null}},\"quantity\":1}}],\"shippingAddress\":{{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}}}",
                "{\"items\":[],\"shippingAddress\":{\"line1\":\"a\",\"city\":\"b\",\"postalCode\":\"c\",\"country\":\"KR\"}}",
            }),
            1 => ("PUT", $"api/inventory/{sku}", new[]
            {
                "{\"available\":-1,\"price\":1}", "{\"available\":\"1\",\"price\":1}", "{\"available\":1,\"price\":0}", "{\"available\":1,\"price\":-2.5}",
                $"{{\"available\":1e{random.Next(10, 999)},\"price\":1}}", $"{{\"available\":1,\"price\":1e{random.Next(29, 999)}}}", "{\"available\":1.5,\"price\":1}",
                "{\"available\":1,\"price\":1.001}", "{\"available\":null,\"price\":null}", "{\"available\":[1],\"price\":{}}",
            }),
            2 => ("PUT", $"api/payments/accounts/{Callers[random.Next(2)]}", new[]
            {
                "{\"balance\":-1}", "{\"balance\":\"100\"}", $"{{\"balance\":1e{random.Next(29, 999)}}}", "{\"balance\":0.001}", "{\"balance\":null}", "{\"balance\":[]}", "{\"balance\":true}",
            }),
            3 => ("POST", "auth/token", new[]
            {
                "{\"username\":1,\"password\":2}", "{\"username\":\"alice\"}", "{\"username\":[\"alice\"],\"password\":\"alice-password\"}", "{\"username\":\"alice\",\"password\":{}}",
                $"{{\"username\":\"{new string('a', random.Next(100, 4000))}\",\"password\":\"x\"}}", "{\"username\":\"alice\\u0000\",\"password\":\"wrong\"}",
            }),
            4 => ("PUT", "ops/faults/payments", new[] { "{\"mode\":5}", "{\"mode\":\"DOWN!\"}", "{\"mode\":null}", "{\"mode\":[\"down\"]}", "{\"mode\":\"\"}", "{}" }),
            _ => ("PUT", "ops/config/Shipping:SupportedCountries", new[] { "{\"value\":5}", "{\"value\":null}", "{\"value\":[\"KR\"]}", "{\"value\":{}}", "{}" }),
        };

        var flavour = random.Next(9);
        byte[] body = flavour switch
        {
            0 => Garbage(random, random.Next(1, 2_000)),
            1 => Truncate(random, wrongShapes[random.Next(wrongShapes.Length)]),
            2 => Encoding.UTF8.GetBytes(new string('[', random.Next(65, 20_000))),
            3 => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", random.Next(65, 3_000))) + "1"),
            4 => [],
            5 => Encoding.UTF8.GetBytes("{\"x\":\"" + new string('x', random.Next(65 * 1024, 200 * 1024)) + "\"}"),
            6 => [0xef, 0xbb, 0xbf, 0xc3, 0x28, 0xa0, 0xa1, (byte)'{', 0xe2, 0x28, 0xa1, (byte)'}'],
            _ => Encoding.UTF8.GetBytes(wrongShapes[random.Next(wrongShapes.Length)]),
        };
        string[] types = ["application/json", "application/json", "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "garbage/"];
        var contentType = random.Next(10) == 0 ? null : types[random.Next(types.Length)];
        return new(i, $"bad body {flavour}", caller, new HttpMethod(method), path, body, contentType, []);
    }

    private static FuzzRequest BadPath(int i, Random random, string? caller)
    {
        var id = random.Next(5) switch
        {
            0 => new string('a', random.Next(65, 9_000)),
            1 => string.Concat(Enumerable.Range(0, random.Next(1, 40)).Select(_ => (char)random.Next(0x21, 0x7e))),
            _ => BadIds[random.Next(BadIds.Length)],
        };
        var escaped = id.Contains('%', StringComparison.Ordinal) ? id.Replace(" ", "%20", StringComparison.Ordinal) : Uri.EscapeDataString(id);
        var (method, template) = random.Next(9) switch
        {
            0 => ("GET", "api/orders/{x}"),
            1 => ("GET", "api/orders/{x}/events"),
            2 => ("POST", "api/orders/{x}/cancel"),
            3 => ("GET", "bff/web/orders/{x}"),
            4 => ("GET", "api/inventory/{x}"),
            5 => ("GET", "api/payments/accounts/{x}"),
            6 => ("GET", "ops/traces/{x}"),
            7 => ("PUT", "ops/faults/{x}"),
            _ => ("PUT", "ops/config/{x}"),
        };
        if (template == "ops/config/{x}")
        {
            escaped = "bad%20key%21" + escaped; // never a valid key: a space and a '!'
        }

        byte[]? body = method == "PUT" ? Encoding.UTF8.GetBytes(template.StartsWith("ops/faults", StringComparison.Ordinal) ? "{\"mode\":\"down\"}" : "{\"value\":\"XX\"}") : null;
        return new(i, "bad path id", caller, new HttpMethod(method), template.Replace("{x}", escaped, StringComparison.Ordinal), body, body is null ? null : "application/json", []);
    }

    private static FuzzRequest BadQuery(int i, Random random, string? caller, string orderId)
    {
        if (random.Next(4) == 0)
        {
            string[] versions = ["abc", "-1", "0", "99999", "1e3", "", "1.5", "2147483648"];
            return new(i, "bad asOfVersion", caller, HttpMethod.Get, $"api/orders/{orderId}?asOfVersion={Uri.EscapeDataString(versions[random.Next(versions.Length)])}", null, null, []);
        }

        var list = PagedLists[random.Next(PagedLists.Length)].Replace("{id}", orderId, StringComparison.Ordinal);
        var limit = BadLimits[random.Next(BadLimits.Length)];
        var extra = list == "ops/logs" ? "correlationId=x&" : "";
        return new(i, "bad limit", caller, HttpMethod.Get, $"{list}?{extra}limit={(limit.Contains('%', StringComparison.Ordinal) ? limit : Uri.EscapeDataString(limit))}", null, null, []);
    }

    private static FuzzRequest BadHeaders(int i, Random random, string? caller, string sku)
    {
        string[] protectedGets = ["api/orders", "api/order-history", "api/notifications", "bff/mobile/orders", $"api/inventory/{sku}", "api/payments/accounts/alice", "ops/status"];
        var path = protectedGets[random.Next(protectedGets.Length)];
        var headers = new List<(string, string)>();
        var kind = random.Next(6);
        switch (kind)
        {
            case 0:
                headers.Add(("Authorization", new[] { "Bearer", "Bearer ", "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=", "Token abc", "Bearer a.b.c", "Bearer ..", "bearer" }[random.Next(7)]));
                caller = null;
                break;
            case 1:
                headers.Add(("Authorization", "Bearer " + Convert.ToBase64String(Garbage(random, random.Next(100, 6_000)))));
                caller = null;
                break;
            case 2:
                headers.Add(("X-Big", new string('h', random.Next(40_000, 70_000))));
                break;
            default:
                // A request that is malformed in its body, with odd headers besides: a huge correlation id, a huge idempotency key, no content type.
                headers.Add(("x-correlation-id", new string('c', random.Next(100, 5_000))));
                headers.Add(("Idempotency-Key", new string('k', random.Next(100, 5_000))));
                headers.Add(("traceparent", "00-zz-yy-01"));
                return new(i, "odd headers + bad body", caller, HttpMethod.Post, "api/orders", Truncate(random, "{\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":1}],\"shippingAddress\":{}}"), null, headers);
        }

        return new(i, $"bad headers {kind}", caller, HttpMethod.Get, path, null, null, headers);
    }

    private static string Fill(string template, string sku, string orderId, string service, string key, string trace, string customer) =>
        template.Replace("{sku}", sku, StringComparison.Ordinal).Replace("{id}", orderId, StringComparison.Ordinal)
            .Replace("{service}", service, StringComparison.Ordinal).Replace("{key}", key, StringComparison.Ordinal)
            .Replace("{trace}", trace, StringComparison.Ordinal).Replace("{customer}", customer, StringComparison.Ordinal);

    private static byte[] Garbage(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        if (length > 0 && bytes[0] is (byte)'{' or (byte)'[' or (byte)'"' or (byte)'-' or (>= (byte)'0' and <= (byte)'9') or (byte)'t' or (byte)'f' or (byte)'n' or (byte)' ')
        {
            bytes[0] = 0xff; // never valid JSON by chance
        }

        return bytes;
    }

    /// <summary>Valid JSON cut short (at least one byte off), so it never parses.</summary>
    private static byte[] Truncate(Random random, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return bytes[..random.Next(1, bytes.Length - 1)];
    }

    internal static string Describe(FuzzRequest request) =>
        string.Create(CultureInfo.InvariantCulture, $"#{request.Index} {request.Caller ?? "anonymous"} {request.Method} /{request.Path} [{request.Kind}]");
}
