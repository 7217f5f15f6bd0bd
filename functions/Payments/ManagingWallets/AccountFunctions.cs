using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Payments.ManagingWallets;

public sealed record PutAccountRequest(decimal? Balance);

public sealed record AccountResponse(string CustomerId, decimal Balance)
{
    public static AccountResponse From(Wallet wallet) => new(wallet.CustomerId, Money.FromCents(wallet.BalanceCents));
}

public sealed class AccountFunctions(SetBalanceHandler setBalance, IAggregateStore<Wallet> wallets, TokenValidator auth)
{
    [Function("PutAccount")]
    public async Task<IActionResult> PutAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/payments/accounts/{customerId}")] HttpRequest request, string customerId)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<PutAccountRequest>(request, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Balance is not >= 0 || !Money.IsValidAmount(body.Balance.Value))
        {
            return Problems.Validation("balance", "balance must be a number >= 0 with at most 2 decimals.");
        }

        if (!SetBalance.IsValidCustomerId(customerId))
        {
            return Problems.Validation("customerId", "customerId must be 1-128 characters, none of / \\ ? #.");
        }

        var wallet = await setBalance.HandleAsync(new SetBalance(customerId, Money.ToCents(body.Balance.Value)), request.HttpContext.RequestAborted);
        return new OkObjectResult(AccountResponse.From(wallet));
    }

    [Function("GetAccount")]
    public async Task<IActionResult> GetAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/payments/accounts/{customerId}")] HttpRequest request, string customerId)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        // Another customer's wallet is not found, not forbidden: its existence is not disclosed.
        var wallet = caller!.CanSee(customerId) ? (await wallets.LoadAsync(customerId, cancellationToken: request.HttpContext.RequestAborted)).State : null;
        return wallet is null ? Problems.NotFound($"No account for '{customerId}'.") : new OkObjectResult(AccountResponse.From(wallet));
    }
}
