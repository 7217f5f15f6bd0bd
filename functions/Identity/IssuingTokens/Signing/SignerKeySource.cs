using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Auth;

namespace Serverless.Identity.IssuingTokens.Signing;

/// <summary>The identity service validates with its own public key rather than reading its own JWKS over HTTP.</summary>
public sealed class SignerKeySource(ITokenSigner signer) : ISigningKeySource
{
    public async Task<IReadOnlyCollection<SecurityKey>> GetKeysAsync(bool refresh, CancellationToken cancellationToken) =>
        [await signer.PublicKeyAsync(cancellationToken)];
}
