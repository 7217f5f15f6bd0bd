using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Serverless.AppHost.Telemetry;

/// <summary>One aggregated log line, as <c>GET /ops/logs</c> returns it (API.md, Operations).</summary>
public sealed record LogView(DateTimeOffset At, string Level, string Service, string Message, string? CorrelationId, string? TraceId, string? OrderId);

/// <summary>What <c>GET /ops/logs</c> filters on; every given field must match.</summary>
public sealed record LogQuery(string? CorrelationId = null, string? OrderId = null, string? TraceId = null);

/// <summary>
/// The local stand-in for Log Analytics: every component's structured log lines in one place. Lines are
/// kept in memory within an estimated <see cref="MaxBytes"/> (oldest first out) for queries, and appended to
/// one JSON-lines file in the data folder (rotated at <see cref="MaxFileBytes"/>, one older file kept) that is
/// read back on start, so a restart keeps what was logged. Messages are redacted (<see cref="LogRedactor"/>)
/// before they are kept or written.
/// <para>
/// A line knows its own trace id, and its order id and correlation id when its message or scope names them.
/// The rest comes from its trace: the gateway registers each request's correlation id for the request's trace
/// (<see cref="Correlate"/>), and the first order id logged in a trace names the trace's order, so the
/// gateway's, the saga's and the consumers' lines of one order are found by either id.
/// </para>
/// </summary>
public sealed class LogStore : IAsyncDisposable
{
    public const long DefaultMaxBytes = 32L * 1024 * 1024;
    public const long DefaultMaxFileBytes = 16L * 1024 * 1024;
    public const int MaxTraces = 100_000;
    private const int LineOverheadBytes = 200;

    private readonly Lock _gate = new();
    private readonly Queue<Line> _lines = new();
    private readonly Dictionary<string, TraceFacts> _traces = new(StringComparer.Ordinal);
    private readonly Queue<string> _traceOrder = new();
    private readonly LogRedactor _redactor;
    private readonly Channel<Line>? _toFile;
    private readonly Task _writer = Task.CompletedTask;
    private long _sequence;
    private long _bytes;

    /// <param name="file">The JSON-lines file (null: memory only).</param>
    public LogStore(string? file = null, long maxBytes = DefaultMaxBytes, long maxFileBytes = DefaultMaxFileBytes, LogRedactor? redactor = null)
    {
        MaxBytes = maxBytes > 0 ? maxBytes : throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "The log store needs a positive budget.");
        MaxFileBytes = maxFileBytes;
        File = file;
        _redactor = redactor ?? new LogRedactor();
        if (file is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        foreach (var saved in new[] { file + ".1", file })
        {
            Load(saved);
        }

        _toFile = Channel.CreateUnbounded<Line>(new UnboundedChannelOptions { SingleReader = true });
        _writer = Task.Run(WriteAsync);
    }

    public long MaxBytes { get; }

    public long MaxFileBytes { get; }

    public string? File { get; }

    /// <summary>Values that must never appear in a line, besides what <see cref="LogRedactor"/>'s patterns catch.</summary>
    public LogRedactor Redactor => _redactor;

    /// <summary>Lines held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>Names the correlation id of everything logged in <paramref name="traceId"/> (the gateway, per request).</summary>
    public void Correlate(string traceId, string correlationId)
    {
        lock (_gate)
        {
            Facts(traceId).CorrelationId ??= correlationId;
        }
    }

    /// <summary>Keeps one line (redacted) and queues it for the file.</summary>
    public void Add(DateTimeOffset at, string level, string service, string message, string? correlationId, string? traceId, string? orderId)
    {
        var line = new Line(0, at, level, service, _redactor.Redact(message), Clip(correlationId), traceId, Clip(orderId));
        lock (_gate)
        {
            line = Keep(line);
        }

        _toFile?.Writer.TryWrite(line);
    }

    /// <summary>The matching lines after position <paramref name="after"/>, oldest first; <c>Next</c> is the position to continue from, null on the last page.</summary>
    public (IReadOnlyList<LogView> Items, long? Next) Query(LogQuery query, long after, int limit)
    {
        ArgumentNullException.ThrowIfNull(query);
        var items = new List<LogView>(Math.Min(limit, 64));
        var last = after;
        lock (_gate)
        {
            foreach (var line in _lines)
            {
                if (line.Sequence <= after)
                {
                    continue;
                }

                var view = Resolve(line);
                if ((query.CorrelationId is null || view.CorrelationId == query.CorrelationId)
                    && (query.OrderId is null || view.OrderId == query.OrderId)
                    && (query.TraceId is null || view.TraceId == query.TraceId))
                {
                    if (items.Count == limit)
                    {
                        return (items, last);
                    }

                    items.Add(view);
                    last = line.Sequence;
                }
            }
        }

        return (items, null);
    }

    /// <summary>Waits until every line added so far is in the file.</summary>
    public async Task FlushAsync()
    {
        if (_toFile is null)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _toFile.Writer.TryWrite(new Line(-1, default, "", "", "", null, null, null) { Flushed = done });
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        if (_toFile is null)
        {
            return;
        }

        _toFile.Writer.TryComplete();
        await _writer.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private Line Keep(Line line)
    {
        line = line with { Sequence = ++_sequence };
        if (line.TraceId is { } traceId && (line.OrderId is not null || line.CorrelationId is not null))
        {
            var facts = Facts(traceId);
            facts.OrderId ??= line.OrderId;
        }

        var size = SizeOf(line);
        while (_bytes + size > MaxBytes && _lines.TryDequeue(out var oldest))
        {
            _bytes -= SizeOf(oldest);
        }

        _lines.Enqueue(line);
        _bytes += size;
        return line;
    }

    private TraceFacts Facts(string traceId)
    {
        if (!_traces.TryGetValue(traceId, out var facts))
        {
            facts = new TraceFacts();
            _traces[traceId] = facts;
            _traceOrder.Enqueue(traceId);
            while (_traces.Count > MaxTraces && _traceOrder.TryDequeue(out var oldest))
            {
                _traces.Remove(oldest);
            }
        }

        return facts;
    }

    private LogView Resolve(Line line)
    {
        TraceFacts? facts = null;
        if (line.TraceId is not null)
        {
            _traces.TryGetValue(line.TraceId, out facts);
        }

        // The request's correlation id wins over a scope's (an event's correlation id is its order id).
        return new LogView(line.At, line.Level, line.Service, line.Message,
            facts?.CorrelationId ?? line.CorrelationId, line.TraceId, line.OrderId ?? facts?.OrderId);
    }

    private async Task WriteAsync()
    {
        var reader = _toFile!.Reader;
        FileStream? stream = null;
        try
        {
            stream = Open();
            var buffer = new MemoryStream();
            while (await reader.WaitToReadAsync())
            {
                var waiting = new List<TaskCompletionSource>();
                while (reader.TryRead(out var line))
                {
                    if (line.Flushed is { } flushed)
                    {
                        waiting.Add(flushed);
                        continue;
                    }

                    View(line, buffer);
                }

                if (buffer.Length > 0)
                {
                    if (stream.Length + buffer.Length > MaxFileBytes && stream.Length > 0)
                    {
                        await stream.DisposeAsync();
                        System.IO.File.Move(File!, File + ".1", overwrite: true);
                        stream = Open();
                    }

                    buffer.Position = 0;
                    await buffer.CopyToAsync(stream);
                    await stream.FlushAsync();
                    buffer.SetLength(0);
                }

                waiting.ForEach(w => w.TrySetResult());
            }
        }
        catch (IOException)
        {
            // The file is a copy for after a restart; the store keeps serving from memory.
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private FileStream Open() => new(File!, FileMode.Append, FileAccess.Write, FileShare.Read);

    private void View(Line line, Stream to)
    {
        var view = Resolve(line);
        using (var json = new Utf8JsonWriter(to))
        {
            JsonSerializer.Serialize(json, view, Json);
        }

        to.WriteByte((byte)'\n');
    }

    private void Load(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            return;
        }

        try
        {
            foreach (var text in System.IO.File.ReadLines(file, Encoding.UTF8))
            {
                LogView? view;
                try
                {
                    view = JsonSerializer.Deserialize<LogView>(text, Json);
                }
                catch (JsonException)
                {
                    continue; // a line cut short by a crash
                }

                if (view is { Service: not null, Message: not null, Level: not null })
                {
                    lock (_gate)
                    {
                        Keep(new Line(0, view.At, view.Level, view.Service, view.Message, view.CorrelationId, view.TraceId, view.OrderId));
                    }
                }
            }
        }
        catch (IOException)
        {
            // Unreadable history: start from what comes next.
        }
    }

    private static string? Clip(string? value) => value is { Length: > 128 } ? value[..128] : value;

    private static long SizeOf(Line line) =>
        LineOverheadBytes + (2L * (line.Message.Length + line.Service.Length + line.Level.Length
            + (line.CorrelationId?.Length ?? 0) + (line.TraceId?.Length ?? 0) + (line.OrderId?.Length ?? 0)));

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Line(long Sequence, DateTimeOffset At, string Level, string Service, string Message, string? CorrelationId, string? TraceId, string? OrderId)
    {
        public TaskCompletionSource? Flushed { get; init; }
    }

    private sealed class TraceFacts
    {
        public string? CorrelationId { get; set; }

        public string? OrderId { get; set; }
    }
}
