using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Identity.IssuingTokens.Signing;

/// <summary>
/// Local mode: an RSA key created on first run in the data folder (<c>identity/signing-key.pem</c>,
/// owner-only, never committed) and reused on every later run.
/// </summary>
public sealed class RsaKeyFileSigner : ITokenSigner, IDisposable
{
    private readonly RSA _rsa;
    private readonly JsonWebKey _public;

    private RsaKeyFileSigner(RSA rsa)
    {
        _rsa = rsa;
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        _public = PublicJwk.Rsa(parameters.Modulus!, parameters.Exponent!);
    }

    public static RsaKeyFileSigner LoadOrCreate(string sqlitePath)
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

        return new RsaKeyFileSigner(rsa);
    }

    public Task<JsonWebKey> PublicKeyAsync(CancellationToken cancellationToken) => Task.FromResult(_public);

    public Task<byte[]> SignAsync(byte[] signingInput, CancellationToken cancellationToken) =>
        Task.FromResult(_rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public void Dispose() => _rsa.Dispose();
}
