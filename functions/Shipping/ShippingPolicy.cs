using Microsoft.Extensions.Configuration;

namespace Serverless.Shipping;

/// <summary>
/// Where we ship. Read from configuration on every call, so a change in the config store takes
/// effect without a restart.
/// </summary>
public sealed class ShippingPolicy(IConfiguration configuration)
{
    public const string Key = "Shipping:SupportedCountries";
    public const string Default = "KR,US,GB,DE,FR,JP";

    public IReadOnlySet<string> SupportedCountries() => Parse(configuration[Key] ?? Default);

    public bool Ships(string country) => SupportedCountries().Contains(country.Trim().ToUpperInvariant());

    public static IReadOnlySet<string> Parse(string value) =>
        value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToUpperInvariant())
            .ToHashSet(StringComparer.Ordinal);
}
