using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.BuildingBlocks.Auth;

namespace Serverless.BuildingBlocks.Hosting;

public static class ServiceDefaults
{
    /// <summary>
    /// What every service needs whatever its host: token validation against the identity service's
    /// JWKS, service-to-service clients that carry this service's own token, a clock.
    /// </summary>
    public static IServiceCollection AddServiceDefaults(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        services.AddSingleton(TimeProvider.System);
        services.TryAddSingleton<IServiceFaults, NoFaults>();
        services.AddSingleton<TokenValidator>();
        services.AddSingleton<ISigningKeySource, JwksSigningKeySource>();
        services.AddServiceRegistry();
        services.AddHttpClient(JwksSigningKeySource.Client);
        services.AddSingleton<ServiceTokenProvider>();
        services.AddTransient<ServiceTokenHandler>();
        services.AddHostedService<AuthWarmup>();
        services.AddHttpClient(ServiceTokenProvider.IdentityClient, c => c.BaseAddress = ServiceAddress("identity"));
        return services;
    }

    /// <summary>A typed client for another service, addressed by its logical name and carrying this service's token.</summary>
    public static IHttpClientBuilder AddServiceClient<TClient>(this IServiceCollection services, IConfiguration configuration, string serviceName)
        where TClient : class =>
        services.AddHttpClient<TClient>(c =>
            {
                c.BaseAddress = ServiceAddress(serviceName);
                c.Timeout = TimeSpan.FromSeconds(15);
            })
            .AddHttpMessageHandler<ServiceTokenHandler>();

    /// <summary>
    /// Service discovery on every HttpClient: a logical name is resolved from configuration; any other
    /// host (an absolute address such as the <c>jwks_uri</c> the identity service publishes) passes
    /// through unchanged. So a name the registry does not list is tried as a host name and fails as a
    /// connection error, which every caller's fallback already handles.
    /// </summary>
    public static IServiceCollection AddServiceRegistry(this IServiceCollection services)
    {
        services.AddServiceDiscovery();
        services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return services;
    }

    /// <summary>
    /// A service's logical address. Microsoft.Extensions.ServiceDiscovery resolves it on every call
    /// from configuration, <c>Services:{name}:https</c> (Azure) or <c>Services:{name}:http</c> (local),
    /// each a list of instances; so adding an instance or moving a service is a config change.
    /// </summary>
    public static Uri ServiceAddress(string serviceName) => new($"https+http://{serviceName}/");

    /// <summary>Where this service keeps its local SQLite file.</summary>
    public static string SqlitePath(IConfiguration configuration, string serviceName)
    {
        var directory = configuration["Storage:DataDirectory"];
        if (string.IsNullOrEmpty(directory))
        {
            directory = Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? Path.GetTempPath(), "data");
        }

        return Path.Combine(directory, serviceName, serviceName + ".db");
    }
}
