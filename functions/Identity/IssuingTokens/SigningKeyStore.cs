using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Auth;

namespace Serverless.Identity.IssuingTokens;

/// <summary>
/// The RSA key tokens are signed with. Locally it is created on first run in the data folder (never
/// committed); in Azure it lives in Key Vault.
/// </summary>
public sealed class SigningKeyStore : ISigningKeySource
{
    private SigningKeyStore(RsaSecurityKey key) => Key = key;

    public RsaSecurityKey Key { get; }

    public SigningCredentials Credentials => new(Key, SecurityAlgorithms.RsaSha256);

    public static SigningKeyStore LoadOrCreate(string sqlitePath)
    {
        var file = Path.Combine(Path.GetDirectoryName(sqlitePath)!, "signing-key.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var rsa = RSA.Create();
        if (File.Exists(file))
        {
            rsa.ImportFromPem(File.ReadAllText(file));
        }
        else
        {
            rsa.KeySize = 2048;
            var temp = file + ".tmp";
            File.WriteAllText(temp, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, file, overwrite: true);
        }

        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return new SigningKeyStore(key);
    }

    public JsonWebKey PublicJwk()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(Key.Rsa.ExportParameters(false)) { KeyId = Key.KeyId });
        jwk.Use = "sig";
        jwk.Alg = SecurityAlgorithms.RsaSha256;
        return jwk;
    }

    public Task<IReadOnlyCollection<SecurityKey>> GetKeysAsync(bool refresh, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyCollection<SecurityKey>>([Key]);
}
