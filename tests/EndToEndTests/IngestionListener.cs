using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>
/// A stand-in for Application Insights' ingestion endpoint on a loopback port: collects every envelope the Azure
/// Monitor exporter POSTs to <c>/v2.1/track</c> (JSON lines, gzip or not) and accepts them all.
/// </summary>
public sealed class IngestionListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<JsonElement> _envelopes = new();
    private readonly Task _serving;

    public IngestionListener()
    {
        Port = AppHostProcess.FreePorts(1)[0];
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The connection string that sends every app's telemetry here.</summary>
    public string ConnectionString => $"InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:{Port}/";

    public IReadOnlyList<JsonElement> Envelopes => [.. _envelopes];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var received = 0;
            if (context.Request.HttpMethod == "POST" && context.Request.Url?.AbsolutePath == "/v2.1/track")
            {
                Stream body = context.Request.InputStream;
                if (string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
                {
                    body = new GZipStream(body, CompressionMode.Decompress);
                }

                using var reader = new StreamReader(body, Encoding.UTF8);
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        using var envelope = JsonDocument.Parse(line);
                        _envelopes.Enqueue(envelope.RootElement.Clone());
                        received++;
                    }
                }
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"itemsReceived\":{received},\"itemsAccepted\":{received},\"errors\":[]}}"));
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
