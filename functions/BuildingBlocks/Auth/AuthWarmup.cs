using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Serverless.BuildingBlocks.Auth;

/// <summary>
/// Reads the identity service's signing keys and, for a service with a client identity, its own
/// service token as soon as the app starts, so the first request does not pay for either: a page
/// composed while a participant is down must still answer within its timeout.
/// </summary>
public sealed class AuthWarmup(IServiceProvider services, ServiceTokenProvider tokens, IOptions<AuthOptions> options, ILogger<AuthWarmup> logger)
    : BackgroundService
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var deadline = DateTime.UtcNow + GiveUpAfter;
        var needsToken = !string.IsNullOrEmpty(options.Value.ClientId) && !string.IsNullOrEmpty(options.Value.ClientSecret);
        bool haveKeys = string.IsNullOrEmpty(options.Value.MetadataAddress), haveToken = !needsToken;
        while (!stoppingToken.IsCancellationRequested && !(haveKeys && haveToken) && DateTime.UtcNow < deadline)
        {
            try
            {
                haveKeys = haveKeys || (await services.GetRequiredService<ISigningKeySource>().GetKeysAsync(refresh: false, stoppingToken)).Count > 0;
                haveToken = haveToken || (await tokens.GetTokenAsync(stoppingToken)).Length > 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The identity service may still be starting; the first request will try again anyway.
                logger.LogDebug("Auth warm-up not done yet: {Reason}", ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
