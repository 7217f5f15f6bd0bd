namespace Serverless.BuildingBlocks.Http;

/// <summary>Problem <c>type</c>s of business refusals: on a 409 or 422 the saga compensates on these; any other 4xx fails the step, a 5xx is retried.</summary>
public static class ProblemTypes
{
    private const string Base = "https://serverless-shop.dev/problems/";
    public const string OutOfStock = Base + "out-of-stock";
    public const string PaymentDeclined = Base + "payment-declined";
    public const string ShippingUnavailable = Base + "shipping-unavailable";
    public const string AlreadyCompensated = Base + "already-compensated";
}
