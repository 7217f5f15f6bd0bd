using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Auth;
using Serverless.Identity.IssuingTokens;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.UnitTests.Identity;

/// <summary>
/// An unknown name does the same work as a known one with a wrong password (a PBKDF2 check of the same cost),
/// so the response time of a sign-in does not reveal which usernames exist. Counted, not timed.
/// </summary>
public sealed class UnknownNameTimingTests : IDisposable
{
    private const int Iterations = 1_234;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "decoy-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly RsaKeyFileSigner _signer;
    private readonly List<string> _verified = [];
    private readonly IdentityOptions _options = new();
    private readonly TokenIssuer _issuer;

    public UnknownNameTimingTests()
    {
        _signer = RsaKeyFileSigner.LoadOrCreate(Path.Combine(_folder, "identity.db"));
        _options.Users["alice"] = new UserEntry { PasswordHash = PasswordHash.Create("alice-password", Iterations), Role = Roles.Customer };
        _options.Clients["web-bff"] = new ClientEntry { SecretHash = PasswordHash.Create("bff-secret", Iterations), Scopes = "payments.read" };
        _issuer = new TokenIssuer(_signer, new Fixed(_options), Options.Create(new AuthOptions()), TimeProvider.System, Counting);
    }

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task UnknownUser_IsCheckedAgainstAPbkdf2HashOfTheSameCost_AndGetsNoToken()
    {
        Assert.Null(await _issuer.ForUserAsync("mallory", "alice-password", CancellationToken.None));
        Assert.Null(await _issuer.ForUserAsync("alice", "wrong", CancellationToken.None));

        Assert.Equal(2, _verified.Count); // one PBKDF2 check each, the unknown name included
        Assert.All(_verified, hash => Assert.Equal(Iterations, PasswordHash.IterationsOf(hash)));
        Assert.NotEqual(_options.Users["alice"].PasswordHash, _verified[0]); // a decoy, not someone's hash
    }

    [Fact]
    public async Task UnknownClient_IsCheckedAgainstAPbkdf2HashOfTheSameCost()
    {
        Assert.Null(await _issuer.ForClientAsync("nobody", "bff-secret", CancellationToken.None));

        Assert.Equal(Iterations, PasswordHash.IterationsOf(Assert.Single(_verified)));
    }

    [Fact]
    public async Task TheDecoy_IsFixed_AndMatchesNoPassword()
    {
        await _issuer.ForUserAsync("mallory", "x", CancellationToken.None);
        await _issuer.ForUserAsync("trudy", "y", CancellationToken.None);

        Assert.Equal(_verified[0], _verified[1]); // made once, not per request
        Assert.False(PasswordHash.Verify("", _verified[0]));
        Assert.False(PasswordHash.Verify("decoy-secret-that-nobody-has", _verified[0]));
    }

    [Fact]
    public void WithPlainEntriesOnly_TheDecoyIsPlain_AsCheapAsAKnownName()
    {
        // Azure: plain values from Key Vault are compared in constant time, so a PBKDF2 decoy would make unknown names the slow ones
        var (hash, plain) = Credentials.Decoy([null, ""]);
        Assert.Null(hash);
        Assert.False(string.IsNullOrEmpty(plain));
        Assert.False(Credentials.Match("anything", hash, plain));
    }

    [Fact]
    public void WithNothingConfigured_TheDecoyHasTheDefaultCost() =>
        Assert.Equal(PasswordHash.DefaultIterations, PasswordHash.IterationsOf(Credentials.Decoy([]).Hash));

    private bool Counting(string password, string encodedHash)
    {
        _verified.Add(encodedHash);
        return PasswordHash.Verify(password, encodedHash);
    }

    private sealed class Fixed(IdentityOptions value) : IOptionsMonitor<IdentityOptions>
    {
        public IdentityOptions CurrentValue => value;

        public IdentityOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<IdentityOptions, string?> listener) => null;
    }
}
