using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;

namespace Serverless.Payments.Charging;

public sealed record ChargeRequest(string? OrderId, string? CustomerId, decimal? Amount);

public sealed record ChargeResponse(string OrderId, string Status, decimal Amount)
{
    public static ChargeResponse From(Charge charge) => new(charge.OrderId, charge.Status.ToString(), Money.FromCents(charge.AmountCents));
}

/// <summary>Saga participant endpoints: called by the order saga with its service identity (or an admin).</summary>
public sealed class ChargeFunctions(PaymentsStore store, TokenValidator auth)
{
    [Function("ChargePayment")]
    public async Task<IActionResult> Charge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/payments/charges")] HttpRequest request)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<ChargeRequest>(request, Roles.Service, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body!.OrderId) || string.IsNullOrWhiteSpace(body.CustomerId) ||
            body.Amount is not > 0 || !Money.IsValidAmount(body.Amount.Value))
        {
            return Problems.Validation("amount", "orderId, customerId and an amount > 0 with at most 2 decimals are required.");
        }

        var charge = await store.ChargeAsync(body.OrderId, body.CustomerId, Money.ToCents(body.Amount.Value));
        return charge.Status switch
        {
            ChargeStatus.Charged => new OkObjectResult(ChargeResponse.From(charge)),
            ChargeStatus.Declined => Problems.Conflict("Payment declined", $"The wallet of {body.CustomerId} cannot pay {body.Amount}.", ProblemTypes.PaymentDeclined),
            _ => Problems.Conflict("Already refunded", $"Order {body.OrderId} was refunded.", ProblemTypes.AlreadyCompensated),
        };
    }

    [Function("RefundPayment")]
    public async Task<IActionResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/payments/charges/{orderId}/refund")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Service, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        return new OkObjectResult(ChargeResponse.From(await store.RefundAsync(orderId)));
    }

    [Function("GetCharge")]
    public async Task<IActionResult> GetCharge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/payments/charges/{orderId}")] HttpRequest request, string orderId)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        var charge = await store.GetChargeAsync(orderId);
        return charge is null || !caller!.CanSee(charge.CustomerId)
            ? Problems.NotFound($"No charge for order {orderId}.")
            : new OkObjectResult(ChargeResponse.From(charge));
    }
}
