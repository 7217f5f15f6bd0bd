using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Serverless.AppHost.Configuration;

/// <summary>
/// The local config store as a configuration source: the watched settings file, reloaded when it
/// changes. While the file cannot be read (deleted, half copied, a hand edit that broke the JSON) its
/// last good contents stay in effect and a warning says why, as the App Configuration provider keeps
/// its last values while the store is unreachable. (.NET's own JSON file provider empties the whole
/// section on such a reload: every setting would fall back to its default at once.)
/// </summary>
public sealed class LastGoodJsonFileSource(string path, ILogger logger) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new LastGoodJsonFileProvider(path, logger);
}

public sealed class LastGoodJsonFileProvider : ConfigurationProvider, IDisposable
{
    /// <summary>Editors and copies write a file in several steps: read it once they are done.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    private readonly string _path;
    private readonly ILogger _logger;
    private readonly PhysicalFileProvider _files;
    private readonly IDisposable _watch;

    public LastGoodJsonFileProvider(string path, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _logger = logger;
        _files = new PhysicalFileProvider(Path.GetDirectoryName(_path)!);
        _watch = ChangeToken.OnChange(() => _files.Watch(Path.GetFileName(_path)), () => _ = ReloadSoonAsync());
    }

    /// <summary>The reason the file could not be read the last time, or null when it was read.</summary>
    public string? LastError { get; private set; }

    public override void Load()
    {
        if (TryRead(_path, out var data, out var error))
        {
            Data = data;
            LastError = null;
        }
        else
        {
            LastError = error;
            _logger.LogWarning("The settings file {Path} cannot be read ({Error}): its last good values stay in effect", _path, error);
        }
    }

    /// <summary>The file's settings as configuration keys, or why it cannot be read.</summary>
    public static bool TryRead(string path, out Dictionary<string, string?> data, out string? error)
    {
        data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var stream = new MemoryStream(File.ReadAllBytes(path));
            foreach (var (key, value) in new ConfigurationBuilder().AddJsonStream(stream).Build().AsEnumerable())
            {
                if (value is not null)
                {
                    data[key] = value;
                }
            }

            error = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            error = ex.Message;
            return false;
        }
    }

    public void Dispose()
    {
        _watch.Dispose();
        _files.Dispose();
    }

    private async Task ReloadSoonAsync()
    {
        await Task.Delay(Settle);
        var before = LastError;
        Load();
        if (LastError is null)
        {
            OnReload();
            if (before is not null)
            {
                _logger.LogInformation("The settings file {Path} is readable again: its values are in effect", _path);
            }
        }
    }
}
