using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Identity;
using Serverless.Inventory;
using Serverless.MobileBff;
using Serverless.WebBff;
using Serverless.Notifications;
using Serverless.OrderHistory;
using Serverless.Orders;
using Serverless.Payments;
using Serverless.Shipping;

namespace Serverless.AppHost.LocalFunctions;

/// <summary>A Function App as the local host sees it: its name, its assembly and its one registration method.</summary>
public sealed record FunctionAppDefinition(string Name, Assembly Assembly, Action<IServiceCollection, IConfiguration> Register)
{
    /// <summary>Every Function App of the system, in start order (identity first: the others read its JWKS).</summary>
    public static readonly IReadOnlyList<FunctionAppDefinition> All =
    [
        new("identity", typeof(IdentityModule).Assembly, (s, c) => s.AddIdentityService(c)),
        new("inventory", typeof(InventoryModule).Assembly, (s, c) => s.AddInventory(c)),
        new("payments", typeof(PaymentsModule).Assembly, (s, c) => s.AddPayments(c)),
        new("shipping", typeof(ShippingModule).Assembly, (s, c) => s.AddShipping(c)),
        new("orders", typeof(OrdersModule).Assembly, (s, c) => s.AddOrders(c)),
        new("order-history", typeof(OrderHistoryModule).Assembly, (s, c) => s.AddOrderHistory(c)),
        new("notifications", typeof(NotificationsModule).Assembly, (s, c) => s.AddNotifications(c)),
        new("web-bff", typeof(WebBffModule).Assembly, (s, c) => s.AddWebBff(c)),
        new("mobile-bff", typeof(MobileBffModule).Assembly, (s, c) => s.AddMobileBff(c)),
    ];
}
