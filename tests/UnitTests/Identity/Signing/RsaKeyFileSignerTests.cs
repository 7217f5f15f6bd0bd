using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.UnitTests.Identity.Signing;

public sealed class RsaKeyFileSignerTests : TokenSignerContract
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "signer-" + Guid.NewGuid().ToString("N")[..12]);

    private string SqlitePath => Path.Combine(_folder, "identity", "identity.db");

    public override Task InitializeAsync()
    {
        Signer = RsaKeyFileSigner.LoadOrCreate(SqlitePath);
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        ((IDisposable)Signer).Dispose();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task KeyFile_IsReused_OnTheNextStart()
    {
        // Given the key created on the first start; When the service starts again
        using var again = RsaKeyFileSigner.LoadOrCreate(SqlitePath);

        // Then it signs with the same key (tokens issued before a restart stay valid)
        Assert.Equal((await Signer.PublicKeyAsync(CancellationToken.None)).Kid, (await again.PublicKeyAsync(CancellationToken.None)).Kid);
        Assert.True(File.Exists(Path.Combine(_folder, "identity", "signing-key.pem")));
    }
}
