using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Configuration;

namespace Serverless.UnitTests.Configuration;

public sealed class AppConfigurationRefreshMiddlewareTests
{
    private const string Sentinel = "Sentinel";
    private const string Key = "Shipping:SupportedCountries";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly ManualClock _clock = new();
    private readonly NextSpy _next = new();

    [Theory]
    [InlineData("httpTrigger")]
    [InlineData("activityTrigger")]
    public async Task HttpOrActivityInvocation_RefreshesTheConfiguration(string trigger)
    {
        // Given a loaded configuration, a changed value and sentinel, and a due refresh
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        var (middleware, _) = Middleware(config);
        var checks = store.SingleKeyRequests;
        Change(store);
        _clock.Advance(Interval);

        // When an invocation goes through the middleware
        await middleware.Invoke(new TriggeredContext(trigger), _next.Invoke);

        // Then the function ran, and the new value arrives in the background after one sentinel check
        Assert.Equal(1, _next.Calls);
        await Eventually(() => config[Key] == "KR,US,JP");
        Assert.Equal(checks + 1, store.SingleKeyRequests);
    }

    [Fact]
    public async Task OrchestratorInvocation_NeverTriggersARefresh()
    {
        // Given a loaded configuration, a changed value and sentinel, and a due refresh
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        var (middleware, refresher) = Middleware(config);
        var checks = store.SingleKeyRequests;
        Change(store);
        _clock.Advance(Interval);
        var clockReads = _clock.Reads;

        // When an orchestrator invocation goes through the middleware
        await middleware.Invoke(new TriggeredContext("orchestrationTrigger"), _next.Invoke);

        // Then the orchestrator ran, but no refresh was even considered: the clock was not read (so nothing
        // was queued to run later), the store saw no sentinel check and the old value stays
        Assert.Equal(1, _next.Calls);
        Assert.Equal(clockReads, _clock.Reads);
        Assert.Equal(checks, store.SingleKeyRequests);
        Assert.Equal("KR,US", config[Key]);

        // And the refresh was due all along: the next one, awaited, finds the change with one check
        Assert.True(await refresher.TryRefreshAsync());
        Assert.Equal(checks + 1, store.SingleKeyRequests);
        Assert.Equal("KR,US,JP", config[Key]);
    }

    [Fact]
    public async Task Invocation_CompletesWhileTheStoreHasNotAnswered()
    {
        // Given a changed sentinel, a due refresh and a store that holds sentinel checks until released
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        var (middleware, _) = Middleware(config);
        var checks = store.SingleKeyRequests;
        Change(store);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.SingleKeyGate = gate;
        _clock.Advance(Interval);

        try
        {
            // When an HTTP invocation goes through the middleware (off the test thread, so a blocking Invoke fails instead of hanging)
            var invocation = Task.Run(() => middleware.Invoke(new TriggeredContext("httpTrigger"), _next.Invoke));

            // Then, while the store holds the sentinel check unanswered, the invocation has completed with the old value
            await Eventually(() => store.SingleKeyRequests == checks + 1);
            Assert.Same(invocation, await Task.WhenAny(invocation, Task.Delay(Deadline)));
            Assert.True(invocation.IsCompletedSuccessfully);
            Assert.Equal(1, _next.Calls);
            Assert.False(gate.Task.IsCompleted);
            Assert.Equal("KR,US", config[Key]);
        }
        finally
        {
            gate.TrySetResult();
        }

        // And once the store answers, the new value arrives in the background
        await Eventually(() => config[Key] == "KR,US,JP");
    }

    private ConfigurationRoot Build(FakeAppConfigurationStore store)
    {
        var options = new AppConfigurationOptions
        {
            Endpoint = store.Endpoint,
            Label = "Production",
            SentinelKey = Sentinel,
            RefreshInterval = Interval,
        };
        var source = new AppConfigurationSource(options, store.Credential) { Clock = _clock };
        return (ConfigurationRoot)new ConfigurationBuilder().Add(source).Build();
    }

    private static (AppConfigurationRefreshMiddleware Middleware, AppConfigurationRefresher Refresher) Middleware(IConfiguration config)
    {
        var refresher = new AppConfigurationRefresher(config, NullLoggerFactory.Instance);
        return (new AppConfigurationRefreshMiddleware(refresher), refresher);
    }

    private static void Seed(FakeAppConfigurationStore store)
    {
        store.Set(Key, "KR,US", label: "Production");
        store.Set(Sentinel, "1", label: "Production");
    }

    private static void Change(FakeAppConfigurationStore store)
    {
        store.Set(Key, "KR,US,JP", label: "Production");
        store.Set(Sentinel, "2", label: "Production");
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(elapsed.Elapsed < Deadline, $"Condition not met within {Deadline}.");
            await Task.Delay(10);
        }
    }

    /// <summary>The rest of the pipeline: counts that it was called.</summary>
    private sealed class NextSpy
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task Invoke(FunctionContext context)
        {
            Interlocked.Increment(ref _calls);
            return Task.CompletedTask;
        }
    }

    /// <summary>An invocation reduced to what the middleware reads: the trigger type of its function.</summary>
    private sealed class TriggeredContext(string trigger) : FunctionContext
    {
        public override string InvocationId => "invocation-1";

        public override string FunctionId => "function-1";

        public override TraceContext TraceContext => throw new NotSupportedException();

        public override BindingContext BindingContext => throw new NotSupportedException();

        public override RetryContext RetryContext => throw new NotSupportedException();

        public override IServiceProvider InstanceServices
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override FunctionDefinition FunctionDefinition { get; } = new Definition(trigger);

        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

        public override IInvocationFeatures Features => throw new NotSupportedException();
    }

    private sealed class Definition(string trigger) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => "Functions.dll";

        public override string EntryPoint => "Functions.Function.Run";

        public override string Id => "function-1";

        public override string Name => "Function";

        public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
            ImmutableDictionary<string, BindingMetadata>.Empty.Add("trigger", new Binding(trigger));

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }

    private sealed class Binding(string type) : BindingMetadata
    {
        public override string Name => "trigger";

        public override string Type => type;

        public override BindingDirection Direction => BindingDirection.In;
    }
}
