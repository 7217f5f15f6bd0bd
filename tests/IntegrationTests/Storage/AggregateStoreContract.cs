using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.IntegrationTests.Storage;

/// <summary>A tiny aggregate for the contract: enough state to see lost updates.</summary>
public sealed record Counter(string Name, int Value, string Note = "")
{
    public Counter Increment() => this with { Value = Value + 1 };
}

/// <summary>
/// What every <see cref="IAggregateStore{T}"/> adapter must do (stock, reservations, wallets,
/// charges and shipments all sit on this port). An adapter's test class supplies a fresh store and
/// two back doors into its storage.
/// </summary>
public abstract class AggregateStoreContract
{
    protected abstract Task<IAggregateStore<Counter>> CreateStoreAsync();

    /// <summary>The events saved with <paramref name="id"/>'s changes, in the order they were saved (the outbox or the change feed).</summary>
    protected abstract Task<IReadOnlyList<IntegrationEvent>> SavedEventsAsync(IAggregateStore<Counter> store, string id);

    /// <summary>Makes the stored state of <paramref name="id"/> unreadable, behind the store's back.</summary>
    protected abstract Task CorruptAsync(IAggregateStore<Counter> store, string id);

    [Fact]
    public async Task UnknownId_LoadsAsNew_AtVersion0()
    {
        var store = await CreateStoreAsync();

        var loaded = await store.LoadAsync("nobody", "op-1");

        Assert.Equal((false, 0L, false), (loaded.Exists, loaded.Version, loaded.OperationApplied));
        Assert.Null(loaded.State);
    }

    [Fact]
    public async Task Saved_LoadsBack_WithTheNextVersion_AndItsEventsAreSavedWithIt()
    {
        // Given a new counter saved with one event, then changed with another
        var store = await CreateStoreAsync();
        var first = Event("c-1", "Opened");
        await store.SaveAsync(await store.LoadAsync("c-1"), new Counter("c-1", 1, "héllo ✓"), [first]);
        var loaded = await store.LoadAsync("c-1");
        var second = Event("c-1", "Incremented");
        await store.SaveAsync(loaded, loaded.State!.Increment(), [second]);

        // When loaded
        var now = await store.LoadAsync("c-1");

        // Then it is the last state at version 2, and both events were saved, in order, intact
        Assert.Equal((2L, new Counter("c-1", 2, "héllo ✓")), (now.Version, now.State));
        var events = await SavedEventsAsync(store, "c-1");
        Assert.Equal([first.MessageId, second.MessageId], events.Select(e => e.MessageId));
        Assert.Equal(second.Serialize(), events[1].Serialize());
    }

    [Fact]
    public async Task WritersAtTheSameVersion_OneWins_TheOthersConflict_AndChangeNothing()
    {
        // Given a counter at version 1
        var store = await CreateStoreAsync();
        await store.SaveAsync(await store.LoadAsync("c-1"), new Counter("c-1", 0), []);
        var loaded = await store.LoadAsync("c-1");

        // When eight writers save different values at version 1 at once
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.SaveAsync(loaded, loaded.State! with { Value = i }, [Event("c-1", $"Set{i}")]);
                return i;
            }
            catch (ConcurrencyConflictException)
            {
                return -1;
            }
        })));

        // Then exactly one saved; the state is its value at version 2, and only its event was saved
        var winner = Assert.Single(results, r => r > 0);
        var now = await store.LoadAsync("c-1");
        Assert.Equal((2L, winner), (now.Version, now.State!.Value));
        Assert.Equal([$"Set{winner}"], (await SavedEventsAsync(store, "c-1")).Select(e => e.Type));
    }

    [Fact]
    public async Task ConcurrentIncrements_RetriedOnConflict_LoseNoUpdate()
    {
        // Given a counter at 0
        var store = await CreateStoreAsync();
        await store.SaveAsync(await store.LoadAsync("c-1"), new Counter("c-1", 0), []);

        // When 16 callers each increment it once, retrying on conflict
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var loaded = await store.LoadAsync("c-1");
            return await store.SaveAsync(loaded, loaded.State!.Increment(), []);
        }, attempts: 100))));

        // Then every increment counted
        var now = await store.LoadAsync("c-1");
        Assert.Equal((16, 17L), (now.State!.Value, now.Version));
    }

    [Fact]
    public async Task AStaleSave_Conflicts_AndLeavesTheNewerState()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync(await store.LoadAsync("c-1"), new Counter("c-1", 0), []);
        var stale = await store.LoadAsync("c-1");
        await store.SaveAsync(stale, stale.State! with { Value = 5 }, []);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => store.SaveAsync(stale, stale.State! with { Value = 9 }, [Event("c-1", "Lost")]));

        var now = await store.LoadAsync("c-1");
        Assert.Equal((2L, 5), (now.Version, now.State!.Value));
        Assert.DoesNotContain(await SavedEventsAsync(store, "c-1"), e => e.Type == "Lost");
    }

    [Fact]
    public async Task AnOperationSavedWithAChange_IsSeenAsApplied_OnThatAggregateOnly()
    {
        // Given op-1 applied to c-1
        var store = await CreateStoreAsync();
        await store.SaveAsync(await store.LoadAsync("c-1", "op-1"), new Counter("c-1", 1), [], operationId: "op-1");
        await store.SaveAsync(await store.LoadAsync("c-2"), new Counter("c-2", 1), []);

        // Then c-1 has op-1 and not op-2, even after a later change; c-2 does not have op-1
        var later = await store.LoadAsync("c-1");
        await store.SaveAsync(later, later.State!.Increment(), [], operationId: "op-3");
        Assert.True((await store.LoadAsync("c-1", "op-1")).OperationApplied);
        Assert.False((await store.LoadAsync("c-1", "op-2")).OperationApplied);
        Assert.False((await store.LoadAsync("c-2", "op-1")).OperationApplied);
        Assert.Equal((2L, true), ((await store.LoadAsync("c-1", "op-3")).Version, (await store.LoadAsync("c-1", "op-3")).OperationApplied));
    }

    [Fact]
    public async Task AnOversizedState_IsRefused_AndChangesNothing()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync(await store.LoadAsync("c-1"), new Counter("c-1", 1), []);
        var loaded = await store.LoadAsync("c-1");

        await Assert.ThrowsAsync<DocumentTooLargeException>(() =>
            store.SaveAsync(loaded, loaded.State! with { Note = new string('x', StorageLimits.MaxDocumentBytes + 1) }, [Event("c-1", "Huge")]));

        var now = await store.LoadAsync("c-1");
        Assert.Equal((1L, new Counter("c-1", 1)), (now.Version, now.State));
        Assert.Empty(await SavedEventsAsync(store, "c-1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("what?")]
    public async Task AnIdNoStoreCanHold_LoadsNothing_AndCannotBeSaved(string id)
    {
        var store = await CreateStoreAsync();

        var loaded = await store.LoadAsync(id);

        Assert.False(loaded.Exists);
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(loaded, new Counter(id, 1), []));
    }

    [Fact]
    public async Task AMalformedStoredDocument_FailsToLoad_WithAClearError()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync(await store.LoadAsync("c-1"), new Counter("c-1", 1), []);

        await CorruptAsync(store, "c-1");

        var error = await Assert.ThrowsAsync<CorruptDocumentException>(() => store.LoadAsync("c-1"));
        Assert.Contains("c-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PagesTheLatestStates_InIdOrder_AfterTheGivenId()
    {
        // Given three counters, one of them changed twice
        var store = await CreateStoreAsync();
        foreach (var id in new[] { "c-b", "c-a", "c-c" })
        {
            await store.SaveAsync(await store.LoadAsync(id), new Counter(id, 1), []);
        }

        var b = await store.LoadAsync("c-b");
        await store.SaveAsync(b, b.State!.Increment(), []);

        // When listed two at a time
        var first = await store.ListAsync(null, 2);
        var second = await store.ListAsync(first[^1].Id, 2);

        // Then each appears once, in id order, at its latest version
        Assert.Equal(["c-a", "c-b"], first.Select(l => l.Id));
        Assert.Equal((2L, 2), (first[1].Version, first[1].State!.Value));
        Assert.Equal(["c-c"], second.Select(l => l.Id));
    }

    private static IntegrationEvent Event(string subject, string type) =>
        IntegrationEvent.Create("counters", type, subject, new { subject, type }, DateTimeOffset.UtcNow);
}
