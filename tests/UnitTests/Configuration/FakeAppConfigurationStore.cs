using System.Globalization;
using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Serverless.UnitTests.Configuration;

/// <summary>
/// A local HTTP server speaking App Configuration's data-plane wire format (api-version 2023-11-01:
/// <c>/kv</c> with key and label filters and <c>@nextLink</c> paging, <c>/kv/{key}</c> with ETag and 304;
/// <c>label=%00</c> is the null label, a list without <c>label</c> any label, a single key without it the null label)
/// and Key Vault's secrets API (<c>/secrets/{name}?api-version=7.4</c>). Every call needs the bearer token of <see cref="Credential"/>.
/// </summary>
public sealed class FakeAppConfigurationStore : IAsyncDisposable
{
    public const string Token = "test-token";
    public const string FeatureFlagContentType = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";
    public const string KeyVaultRefContentType = "application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8";

    private readonly Lock _lock = new();
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, string> _secrets = [];
    private readonly WebApplication _app;
    private int _etags;
    private int _listRequests;
    private int _sentinelRequests;
    private int _notModified;
    private int _unauthorized;

    private FakeAppConfigurationStore(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public FakeCredential Credential { get; } = new(Token);

    /// <summary>Items per <c>/kv</c> page; more items than this are served through <c>@nextLink</c>.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>When set, single-key GETs wait for it: a store that is slow to answer.</summary>
    public TaskCompletionSource? SingleKeyGate { get; set; }

    /// <summary>When true, <c>/kv</c> answers 503: a store that is only half up.</summary>
    public bool FailLists { get; set; }

    public int ListRequests => Volatile.Read(ref _listRequests);

    public int SingleKeyRequests => Volatile.Read(ref _sentinelRequests);

    public int NotModifiedResponses => Volatile.Read(ref _notModified);

    public int UnauthorizedResponses => Volatile.Read(ref _unauthorized);

    public static async Task<FakeAppConfigurationStore> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var store = new FakeAppConfigurationStore(builder.Build());
        store.Map();
        await store._app.StartAsync();
        store.Endpoint = new Uri(store._app.Urls.Single());
        return store;
    }

    /// <summary>Creates or changes a key-value; every change gets a new ETag.</summary>
    public void Set(string key, string value, string? label = null, string? contentType = null)
    {
        lock (_lock)
        {
            _entries.RemoveAll(e => e.Key == key && e.Label == label);
            _entries.Add(new Entry(key, label, value, contentType, $"etag-{++_etags}"));
        }
    }

    public void SetFeatureFlag(string id, bool enabled, string? label = null, string clientFilters = "[]") =>
        Set($".appconfig.featureflag/{id}",
            $$$"""{"id":"{{{id}}}","description":"","enabled":{{{(enabled ? "true" : "false")}}},"conditions":{"client_filters":{{{clientFilters}}}}}""",
            label, FeatureFlagContentType);

    public void SetKeyVaultReference(string key, string secretName, string? label = null) =>
        Set(key, $$"""{"uri":"{{new Uri(Endpoint, "secrets/" + secretName)}}"}""", label, KeyVaultRefContentType);

    public void SetSecret(string name, string value)
    {
        lock (_lock)
        {
            _secrets[name] = value;
        }
    }

    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != $"Bearer {Token}")
            {
                Interlocked.Increment(ref _unauthorized);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next(context);
        });
        _app.MapGet("/kv", List);
        _app.MapGet("/kv/{**key}", GetOneAsync);
        _app.MapGet("/secrets/{name}", GetSecret);
    }

    private IResult List(HttpContext context)
    {
        Interlocked.Increment(ref _listRequests);
        if (FailLists)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        var query = context.Request.Query;
        if (query["api-version"] != "2023-11-01")
        {
            return Results.BadRequest();
        }

        string keyFilter = query["key"].ToString() is { Length: > 0 } k ? k : "*";
        string? labelFilter = query.ContainsKey("label") ? query["label"].ToString() : null;
        var after = int.TryParse(query["after"], CultureInfo.InvariantCulture, out var a) ? a : 0;

        List<Entry> matches;
        lock (_lock)
        {
            matches = _entries
                .Where(e => KeyMatches(e.Key, keyFilter) && (labelFilter is null || LabelMatches(e.Label, labelFilter)))
                .OrderBy(e => e.Key, StringComparer.Ordinal)
                .ToList();
        }

        var body = new Dictionary<string, object> { ["items"] = matches.Skip(after).Take(PageSize).Select(ToJson).ToList() };
        if (after + PageSize < matches.Count)
        {
            var label = labelFilter is null ? "" : $"&label={Uri.EscapeDataString(labelFilter)}";
            body["@nextLink"] = $"/kv?key={Uri.EscapeDataString(keyFilter)}{label}&api-version=2023-11-01&after={after + PageSize}";
        }

        return Results.Json(body, contentType: "application/vnd.microsoft.appconfig.kvset+json; charset=utf-8");
    }

    private async Task<IResult> GetOneAsync(HttpContext context, string key)
    {
        Interlocked.Increment(ref _sentinelRequests);
        if (SingleKeyGate is { } gate)
        {
            await gate.Task;
        }

        var query = context.Request.Query;
        string? label = query.ContainsKey("label") ? query["label"].ToString() : null;
        Entry? entry;
        lock (_lock)
        {
            entry = _entries.SingleOrDefault(e => e.Key == key && e.Label == label);
        }

        if (entry is null)
        {
            return Results.NotFound();
        }

        if (context.Request.Headers.IfNoneMatch == $"\"{entry.ETag}\"")
        {
            Interlocked.Increment(ref _notModified);
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        context.Response.Headers.ETag = $"\"{entry.ETag}\"";
        return Results.Json(ToJson(entry), contentType: "application/vnd.microsoft.appconfig.kv+json; charset=utf-8");
    }

    private IResult GetSecret(HttpContext context, string name)
    {
        if (context.Request.Query["api-version"] != "7.4")
        {
            return Results.BadRequest();
        }

        string? value;
        lock (_lock)
        {
            value = _secrets.GetValueOrDefault(name);
        }

        return value is null
            ? Results.NotFound()
            : Results.Json(new Dictionary<string, object> { ["value"] = value, ["id"] = new Uri(Endpoint, $"secrets/{name}/v1").ToString() });
    }

    // Filter syntax: a trailing unescaped '*' matches a prefix; '\' escapes '*', ',' and '\'.
    private static bool KeyMatches(string key, string filter)
    {
        if (filter == "*")
        {
            return true;
        }

        var prefix = filter.EndsWith('*') && !filter.EndsWith("\\*", StringComparison.Ordinal);
        var literal = Unescape(prefix ? filter[..^1] : filter);
        return prefix ? key.StartsWith(literal, StringComparison.Ordinal) : key == literal;
    }

    private static bool LabelMatches(string? label, string filter) =>
        filter == "*" || (filter == "\0" ? label is null : label == Unescape(filter));

    private static string Unescape(string filter) =>
        filter.Replace("\\*", "*", StringComparison.Ordinal).Replace("\\,", ",", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static Dictionary<string, object?> ToJson(Entry e) => new()
    {
        ["etag"] = e.ETag,
        ["key"] = e.Key,
        ["label"] = e.Label,
        ["content_type"] = e.ContentType,
        ["value"] = e.Value,
        ["tags"] = new Dictionary<string, string>(),
        ["locked"] = false,
        ["last_modified"] = "2026-01-01T00:00:00+00:00",
    };

    private sealed record Entry(string Key, string? Label, string Value, string? ContentType, string ETag);
}

/// <summary>The token boundary: hands out a fixed token and remembers which scopes were asked for.</summary>
public sealed class FakeCredential(string token) : TokenCredential
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _scopes = new();

    public IReadOnlyCollection<string> Scopes => _scopes;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (var scope in requestContext.Scopes)
        {
            _scopes.Enqueue(scope);
        }

        return new AccessToken(token, DateTimeOffset.MaxValue);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}

/// <summary>Time that moves only when the test says so, and counts how often it was read.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private int _reads;

    /// <summary>Calls to <see cref="GetUtcNow"/>: none means no one even asked whether a refresh is due.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Increment(ref _reads);
        return _now;
    }

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Keeps every log line, rendered, with its exception.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Text)> _lines = new();

    public IReadOnlyCollection<(LogLevel Level, string Text)> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(';', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            logs._lines.Enqueue((logLevel, $"{formatter(state, exception)} | {values} | {exception}"));
        }
    }
}
