namespace Serverless.BuildingBlocks.Http;

/// <summary>The one rule for SKU strings, shared by every service that takes one.</summary>
public static class Skus
{
    public const string Rule = "sku must be 1-64 characters of letters, digits, '-', '_' or '.'.";

    public static bool IsValid(string? sku) =>
        !string.IsNullOrEmpty(sku) && sku.Length <= 64 && sku.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.');
}
