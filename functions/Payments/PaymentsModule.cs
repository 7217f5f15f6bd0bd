using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Payments.Charging;
using Serverless.Payments.ManagingWallets;

namespace Serverless.Payments;

public static class PaymentsModule
{
    public const string Service = "payments";

    /// <summary>Everything the payments service registers, whichever host runs it.</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete(Service, configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddServiceStorage(configuration, Service);
        services.AddAggregateStore<Wallet>(configuration, Service, "wallets");
        services.AddAggregateStore<Charge>(configuration, Service, "charges");
        services.AddStorageOutboxRelay(configuration, Service, "charges"); // the events live on the charges
        services.AddSingleton<WalletDebits>();
        services.AddSingleton<ChargePaymentHandler>();
        services.AddSingleton<RefundPaymentHandler>();
        services.AddSingleton<SetBalanceHandler>();
        return services;
    }
}
