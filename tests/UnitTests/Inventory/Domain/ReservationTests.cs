using System.Text.Json;
using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.UnitTests.Inventory.Domain;

public sealed class ReservationTests
{
    private static Reservation Pending() => Reservation.Start("order-1", [new OrderLine("A", 2)]);

    [Fact]
    public void Start_IsPending_WithLinesMergedPerSku()
    {
        // Given an order naming SKU A on two lines; When its reservation starts
        var reservation = Reservation.Start("order-1", [new OrderLine("A", 2), new OrderLine("B", 1), new OrderLine("A", 1)]);

        // Then it is pending with one line per SKU
        Assert.Equal(ReservationStatus.Pending, reservation.Status);
        Assert.Equal([new OrderLine("A", 3), new OrderLine("B", 1)], reservation.Lines);
    }

    [Fact]
    public void Merge_LinesWhoseSumOverflows_StopAtIntMax_SoTheyAreRefused()
    {
        // Given two lines of int.MaxValue units; When merged; Then the line asks for int.MaxValue, not a negative number
        Assert.Equal(int.MaxValue, Reservation.Merge([new OrderLine("A", int.MaxValue), new OrderLine("A", int.MaxValue)]).Single().Quantity);
    }

    [Fact]
    public void Merge_SumsDuplicateSkus_KeepingFirstSeenOrder()
    {
        // Given an order naming SKU A twice
        OrderLine[] lines = [new("A", 2), new("B", 1), new("A", 3)];

        // When the lines are merged
        var merged = Reservation.Merge(lines);

        // Then each SKU appears once with the summed quantity
        Assert.Equal([new OrderLine("A", 5), new OrderLine("B", 1)], merged);
    }

    [Fact]
    public void Merge_IsCaseSensitive()
    {
        // Given SKUs that differ only by case; When merged; Then they stay separate lines
        var merged = Reservation.Merge([new OrderLine("a", 1), new OrderLine("A", 1)]);

        Assert.Equal(2, merged.Count);
    }

    [Fact]
    public void Pending_ReservesOrRefuses_ThenReservedCommits()
    {
        // Given a pending reservation; When it is reserved and then committed, or refused
        var committed = Pending().Reserve().Commit();
        var refused = Pending().Refuse();

        // Then each lands in its status, keeping its lines
        Assert.Equal(ReservationStatus.Committed, committed.Status);
        Assert.Equal(ReservationStatus.Refused, refused.Status);
        Assert.Equal(Pending().Lines, committed.Lines);
    }

    [Theory]
    [InlineData(ReservationStatus.Pending)]
    [InlineData(ReservationStatus.Reserved)]
    [InlineData(ReservationStatus.Committed)]
    public void Release_FromAnyLiveStatus_IsReleased(ReservationStatus status)
    {
        // Given a reservation that still holds or sold units; When released; Then it is released and gives back
        var released = (Pending() with { Status = status }).Release();

        Assert.Equal(ReservationStatus.Released, released.Status);
        Assert.True(released.GivesBack);
    }

    [Theory]
    [InlineData(ReservationStatus.Reserved)]
    [InlineData(ReservationStatus.Committed)]
    [InlineData(ReservationStatus.Released)]
    [InlineData(ReservationStatus.Refused)]
    public void ReserveOrRefuse_OnceSettled_IsRejected(ReservationStatus status)
    {
        // Given a reservation past pending; When it is reserved or refused again; Then the state machine says no
        var settled = Pending() with { Status = status };

        Assert.Throws<InvalidOperationException>(() => settled.Reserve());
        Assert.Throws<InvalidOperationException>(() => settled.Refuse());
    }

    [Theory]
    [InlineData(ReservationStatus.Pending)]
    [InlineData(ReservationStatus.Released)]
    [InlineData(ReservationStatus.Refused)]
    public void Commit_UnlessReserved_IsRejected(ReservationStatus status)
    {
        // Given a reservation that holds nothing to sell; When committed; Then the state machine says no
        Assert.Throws<InvalidOperationException>(() => (Pending() with { Status = status }).Commit());
    }

    [Theory]
    [InlineData(ReservationStatus.Released)]
    [InlineData(ReservationStatus.Refused)]
    public void Release_OfReleasedOrRefused_IsRejected(ReservationStatus status)
    {
        // Given a reservation that already gave back (or never held); When released; Then the state machine says no
        Assert.Throws<InvalidOperationException>(() => (Pending() with { Status = status }).Release());
    }

    [Fact]
    public void Tombstone_IsReleased_WithNoLines()
    {
        // Given a release for an order never reserved; When its tombstone is made
        var tombstone = Reservation.Tombstone("order-9");

        // Then it is released, holds nothing, and a late reserve cannot move it
        Assert.Equal(("order-9", ReservationStatus.Released), (tombstone.OrderId, tombstone.Status));
        Assert.Empty(tombstone.Lines);
        Assert.Throws<InvalidOperationException>(() => tombstone.Reserve());
    }

    [Fact]
    public void State_RoundTripsThroughTheStoredJson()
    {
        // Given a reserved reservation; When stored and read back the way the adapters do
        var reservation = Pending().Reserve();
        var json = JsonSerializer.Serialize(reservation, StoredJson.Options);
        var back = JsonSerializer.Deserialize<Reservation>(json, StoredJson.Options)!;

        // Then it is the same, its status written by name
        Assert.Contains("\"Reserved\"", json, StringComparison.Ordinal);
        Assert.Equal((reservation.OrderId, reservation.Status), (back.OrderId, back.Status));
        Assert.Equal(reservation.Lines, back.Lines);
    }
}
