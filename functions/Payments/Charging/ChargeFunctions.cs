using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Payments.Charging;

public sealed record ChargeRequest(string? OrderId, string? CustomerId, decimal? Amount);

public sealed record ChargeResponse(string OrderId, string Status, decimal Amount)
{
    public static ChargeResponse From(Charge charge) => new(charge.OrderId, charge.Status.ToString(), Money.FromCents(charge.AmountCents));
}

/// <summary>
/// Saga participant endpoints: called by the order saga with its service identity and scope <c>payments.charge</c>
/// (or an admin). A charge is read by its customer, an admin or a service with <c>payments.read</c>.
/// </summary>
public sealed class ChargeFunctions(ChargePaymentHandler charge, RefundPaymentHandler refund, IAggregateStore<Charge> charges, TokenValidator auth)
{
    [Function("ChargePayment")]
    public async Task<IActionResult> Charge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/payments/charges")] HttpRequest request)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<ChargeRequest>(request, ServiceScope.PaymentsCharge, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        if (ChargePayment.Create(body!.OrderId, body.CustomerId, body.Amount) is not { } command)
        {
            return Problems.Validation("amount", ChargePayment.Rules);
        }

        var result = await charge.HandleAsync(command, request.HttpContext.RequestAborted);
        return result.Status switch
        {
            ChargeStatus.Charged => new OkObjectResult(ChargeResponse.From(result)),
            ChargeStatus.Declined => Problems.Conflict("Payment declined", $"The wallet of {body.CustomerId} cannot pay {body.Amount}.", ProblemTypes.PaymentDeclined),
            _ => Problems.Conflict("Already refunded", $"Order {body.OrderId} was refunded.", ProblemTypes.AlreadyCompensated),
        };
    }

    [Function("RefundPayment")]
    public async Task<IActionResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/payments/charges/{orderId}/refund")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.PaymentsCharge, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        if (!StorageLimits.IsValidId(orderId))
        {
            return Problems.Validation("orderId", "orderId must be 1-255 characters, none of / \\ ? #.");
        }

        return new OkObjectResult(ChargeResponse.From(await refund.HandleAsync(new RefundPayment(orderId), request.HttpContext.RequestAborted)));
    }

    [Function("GetCharge")]
    public async Task<IActionResult> GetCharge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/payments/charges/{orderId}")] HttpRequest request, string orderId)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request, ServiceScope.PaymentsRead, Roles.Customer, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var found = (await charges.LoadAsync(orderId, cancellationToken: request.HttpContext.RequestAborted)).State;
        return found is null || !caller!.CanSee(found.CustomerId, ServiceScope.PaymentsRead)
            ? Problems.NotFound($"No charge for order {orderId}.")
            : new OkObjectResult(ChargeResponse.From(found));
    }
}
