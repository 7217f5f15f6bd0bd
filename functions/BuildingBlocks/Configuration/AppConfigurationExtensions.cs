using Azure.Core;
using Azure.Identity;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Serverless.BuildingBlocks.Configuration;

public static class AppConfigurationExtensions
{
    /// <summary>Adds the App Configuration store in <paramref name="options"/>, read with <paramref name="credential"/>.</summary>
    public static IConfigurationBuilder AddAppConfigurationRest(this IConfigurationBuilder builder, AppConfigurationOptions options, TokenCredential credential) =>
        builder.Add(new AppConfigurationSource(options, credential));

    /// <summary>
    /// In Azure (<c>AppConfiguration:Endpoint</c> set): the store, read with the app's managed identity
    /// (<see cref="DefaultAzureCredential"/>, <c>AZURE_CLIENT_ID</c> picks a user-assigned one), refreshed
    /// in the background as function invocations come in. Locally (no endpoint): nothing changes.
    /// </summary>
    public static TBuilder AddAppConfiguration<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder, IFunctionsWorkerApplicationBuilder
    {
        var options = builder.Configuration.GetSection(AppConfigurationOptions.Section).Get<AppConfigurationOptions>();
        if (options?.Endpoint is null)
        {
            return builder;
        }

        builder.Configuration.AddAppConfigurationRest(options, new DefaultAzureCredential());
        ((IHostApplicationBuilder)builder).Services.AddSingleton<AppConfigurationRefresher>();
        builder.UseMiddleware<AppConfigurationRefreshMiddleware>();
        return builder;
    }
}
