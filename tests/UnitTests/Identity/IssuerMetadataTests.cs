using Serverless.Identity.IssuingTokens;

namespace Serverless.UnitTests.Identity;

public sealed class IssuerMetadataTests
{
    [Fact]
    public void PublicBaseUrl_GivesJwksAndTokenEndpoint_NeverTheRequestHost()
    {
        // Given identity behind API Management, reached by the Functions host over a loopback address
        var baseUrl = IssuerMetadata.BaseUrl("https://shop-apim.azure-api.net/", "http", "127.0.0.1:41235");

        // When the metadata is built
        var document = IssuerMetadata.Document("serverless-shop", baseUrl);

        // Then every address is the public one
        Assert.Equal("https://shop-apim.azure-api.net/auth/jwks", document["jwks_uri"]);
        Assert.Equal("https://shop-apim.azure-api.net/auth/token", document["token_endpoint"]);
        Assert.Equal("serverless-shop", document["issuer"]);
        Assert.Equal(new[] { "RS256" }, document["id_token_signing_alg_values_supported"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void WithoutPublicBaseUrl_TheRequestAddressIsUsed_AsLocally(string? publicBaseUrl)
    {
        var document = IssuerMetadata.Document("serverless-shop", IssuerMetadata.BaseUrl(publicBaseUrl, "http", "127.0.0.1:7071"));

        Assert.Equal("http://127.0.0.1:7071/auth/jwks", document["jwks_uri"]);
        Assert.Equal("http://127.0.0.1:7071/auth/token", document["token_endpoint"]);
    }
}
