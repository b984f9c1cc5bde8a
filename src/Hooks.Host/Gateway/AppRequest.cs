using System.IO.Pipelines;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using AccessHooks.Host.Interop;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Primitives;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// One application request as ASP.NET Core sees it: the features a server provides (request,
/// response, body, connection, lifetime, identifier, TLS, authentication) over the values the
/// module passed and the worker's <see cref="AppIo"/>. What Kestrel does for HTTP (framing,
/// chunking, 100 Continue, HEAD) Apache has done already.
/// </summary>
internal sealed partial class AppRequest :
    IHttpRequestFeature, IHttpResponseFeature, IHttpResponseBodyFeature, IHttpConnectionFeature,
    IHttpRequestLifetimeFeature, IHttpRequestIdentifierFeature, IHttpBodyControlFeature,
    IHttpRequestBodyDetectionFeature, IHttpMaxRequestBodySizeFeature, IHttpAuthenticationFeature,
    ITlsConnectionFeature, IApacheRequestFeature
{
    // The variables as the module listed them (later entries win, as in a dictionary); the
    // dictionary IApacheRequestFeature shows is built only when an app asks for it.
    private readonly string[] _varNames;
    private readonly string[] _varValues;
    private readonly int _varCount;
    private Dictionary<string, string>? _variables;
    private readonly AppIo _io;
    private CancellationTokenSource? _aborted; // made when the app first asks for RequestAborted
    private volatile bool _clientGone;
    private readonly bool _isHttps;
    private List<(Func<object, Task> Callback, object State)>? _onStarting;
    private List<(Func<object, Task> Callback, object State)>? _onCompleted;
    private int _statusCode = StatusCodes.Status200OK;
    private string? _reasonPhrase;
    private bool _started;
    private PipeWriter? _writer;

    public unsafe AppRequest(AppCall* call, AppIo io, string applicationGroup, string processGroup, string appPath)
    {
        _io = io;
        // Names and most values repeat from request to request at the same positions on a
        // worker: the per-thread caches turn them into byte compares instead of new strings.
        var varCache = Interop.StringCache.AppVars;
        _varNames = new string[call->NVars];
        _varValues = new string[call->NVars];
        for (var i = 0; i < call->NVars; i++)
        {
            var name = varCache.Name(i, call->Vars[i].Name);
            if (name.Length > 0)
            {
                _varNames[_varCount] = name;
                _varValues[_varCount++] = varCache.Value(i, call->Vars[i].Value);
            }
        }
        var headerCache = Interop.StringCache.AppHeaders;
        var headers = new HeaderDictionary();
        for (var i = 0; i < call->NHeaders; i++)
        {
            var name = headerCache.Name(i, call->Headers[i].Name);
            if (name.Length > 0)
                headers.Append(name, headerCache.Value(i, call->Headers[i].Value));
        }
        Headers = headers;
        ApplicationGroup = applicationGroup;
        ProcessGroup = processGroup;
        ScriptFileName = appPath;

        Method = Var("REQUEST_METHOD", "GET");
        // mod_http2 says "HTTP/2.0"; ASP.NET Core (HttpProtocol.IsHttp2) and Kestrel say "HTTP/2".
        var protocol = Var("SERVER_PROTOCOL", "HTTP/1.1");
        Protocol = protocol == "HTTP/2.0" ? "HTTP/2" : protocol;
        Scheme = Var("HTTPS", "off") == "on" ? "https" : "http";
        PathBase = Var("SCRIPT_NAME", string.Empty);
        Path = Var("PATH_INFO", string.Empty);
        var query = Var("QUERY_STRING", string.Empty);
        QueryString = query.Length == 0 ? string.Empty : "?" + query;
        RawTarget = Var("REQUEST_URI", PathBase + Path + QueryString);

        RemotePort = int.TryParse(Var("REMOTE_PORT", "0"), out var rp) ? rp : 0;
        LocalPort = int.TryParse(Var("SERVER_LOCAL_PORT", Var("SERVER_PORT", "0")), out var lp) ? lp : 0;
        ConnectionId = Var("mod_dotnet.connection_id", string.Empty);

        var hasBody = headers.ContentLength > 0 || headers.ContainsKey("Transfer-Encoding");
        CanHaveBody = hasBody;
        Body = hasBody ? new RequestBody(this) : Stream.Null;
        ResponseStream = new ResponseBody(this);

        _isHttps = Scheme == "https";
    }

    private string Var(string name, string fallback)
    {
        for (var i = _varCount - 1; i >= 0; i--)
        {
            if (string.Equals(_varNames[i], name, StringComparison.Ordinal))
                return _varValues[i];
        }
        return fallback;
    }

    internal AppIo Io => _io;

    /// <summary>The client went away (a write failed): RequestAborted fires, later writes are dropped.</summary>
    internal bool ClientGone => _clientGone;

    internal void MarkClientGone()
    {
        if (_clientGone)
            return;
        _clientGone = true;
        // Paired with the getter of RequestAborted: each writes, then reads the other's field.
        CancelAborted(Volatile.Read(ref _aborted));
    }

    private static void CancelAborted(CancellationTokenSource? aborted)
    {
        try
        {
            aborted?.Cancel();
        }
        catch (AggregateException)
        {
            // A RequestAborted callback of the app threw; the request is over for the client anyway.
        }
    }

    // IHttpRequestFeature
    public string Protocol { get; set; }
    public string Scheme { get; set; }
    public string Method { get; set; }
    public string PathBase { get; set; }
    public string Path { get; set; }
    public string QueryString { get; set; }
    public string RawTarget { get; set; }
    public IHeaderDictionary Headers { get; set; }
    public Stream Body { get; set; }

    // IHttpResponseFeature
    public int StatusCode
    {
        get => _statusCode;
        set
        {
            if (_started)
                throw ResponseStarted("StatusCode");
            _statusCode = value;
        }
    }

    public string? ReasonPhrase
    {
        get => _reasonPhrase;
        set
        {
            if (_started)
                throw ResponseStarted("ReasonPhrase");
            _reasonPhrase = value;
        }
    }

    IHeaderDictionary IHttpResponseFeature.Headers { get; set; } = new HeaderDictionary();
    private IHeaderDictionary ResponseHeaders => ((IHttpResponseFeature)this).Headers;

    Stream IHttpResponseFeature.Body
    {
        get => ResponseStream;
        set => ResponseStream = value;
    }

    private Stream ResponseStream { get; set; }

    public bool HasStarted => _started;

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (_started)
            throw ResponseStarted("OnStarting");
        (_onStarting ??= []).Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => (_onCompleted ??= []).Add((callback, state));

    private static InvalidOperationException ResponseStarted(string what) =>
        new($"{what} cannot be changed because the response has already started (DOTNET0234)");

    // IHttpResponseBodyFeature
    Stream IHttpResponseBodyFeature.Stream => ResponseStream;
    public PipeWriter Writer => _writer ??= PipeWriter.Create(ResponseStream, new StreamPipeWriterOptions(leaveOpen: true));
    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => StartResponseAsync().AsTask();

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(ResponseStream, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        if (_writer is not null)
            await _writer.FlushAsync();
        await StartResponseAsync();
    }

    // IHttpConnectionFeature
    public string ConnectionId { get; set; }
    // Parsed on first use: many apps never look.
    private IPAddress? _remoteIpAddress, _localIpAddress;
    private bool _remoteIpParsed, _localIpParsed;

    public IPAddress? RemoteIpAddress
    {
        get => Address(ref _remoteIpAddress, ref _remoteIpParsed, "REMOTE_ADDR");
        set => (_remoteIpAddress, _remoteIpParsed) = (value, true);
    }

    public IPAddress? LocalIpAddress
    {
        get => Address(ref _localIpAddress, ref _localIpParsed, "SERVER_ADDR");
        set => (_localIpAddress, _localIpParsed) = (value, true);
    }

    private IPAddress? Address(ref IPAddress? address, ref bool parsed, string variable)
    {
        if (!parsed)
        {
            address = IPAddress.TryParse(Var(variable, string.Empty), out var value) ? value : null;
            parsed = true;
        }
        return address;
    }
    public int RemotePort { get; set; }
    public int LocalPort { get; set; }

    // IHttpRequestLifetimeFeature
    public CancellationToken RequestAborted
    {
        get
        {
            var aborted = Volatile.Read(ref _aborted);
            if (aborted is null)
            {
                var made = new CancellationTokenSource();
                aborted = Interlocked.CompareExchange(ref _aborted, made, null) ?? made;
                if (_clientGone)
                    CancelAborted(aborted);
            }
            return aborted.Token;
        }
        set { }
    }

    public void Abort() => MarkClientGone();

    // IHttpRequestIdentifierFeature: mod_unique_id's UNIQUE_ID when loaded, else made on first use
    // (as Kestrel's, without a random number per request).
    private static long s_requests;
    private string? _traceIdentifier;

    public string TraceIdentifier
    {
        get => _traceIdentifier ??= Var("UNIQUE_ID", string.Empty) is { Length: > 0 } unique
            ? unique
            : $"{Environment.ProcessId:x}-{Interlocked.Increment(ref s_requests):x}";
        set => _traceIdentifier = value;
    }

    // IHttpBodyControlFeature: as Kestrel, synchronous I/O is refused unless the app allows it.
    public bool AllowSynchronousIO { get; set; }

    // IHttpRequestBodyDetectionFeature
    public bool CanHaveBody { get; }

    // IHttpMaxRequestBodySizeFeature: Apache's LimitRequestBody applies first; an app's own limit
    // (RequestSizeLimit, MaxRequestBodySize) is enforced here on top of it.
    bool IHttpMaxRequestBodySizeFeature.IsReadOnly => BodyReadStarted;
    public long? MaxRequestBodySize { get; set; }
    internal bool BodyReadStarted { get; set; }

    // IHttpAuthenticationFeature
    // The Apache user's principal is made on first use, and only once: HttpContext.User and the
    // Apache authentication scheme hand out the same object.
    private ClaimsPrincipal? _user;
    private bool _userSet;
    private ClaimsPrincipal? _apachePrincipal;

    public ClaimsPrincipal? User
    {
        get => _userSet ? _user : ApachePrincipal;
        set => (_user, _userSet) = (value, true);
    }

    /// <summary>REMOTE_USER: the user Apache's authentication accepted ("" when none).</summary>
    internal string RemoteUser => Var("REMOTE_USER", string.Empty);

    /// <summary>The principal for Apache's user (anonymous when there is none).</summary>
    internal ClaimsPrincipal ApachePrincipal => _apachePrincipal ??= ApacheUser.From(RemoteUser, Var("AUTH_TYPE", string.Empty));

    // ITlsConnectionFeature
    private X509Certificate2? _clientCertificate;
    private bool _clientCertificateRead;

    /// <summary>mod_ssl's SSL_CLIENT_CERT (SSLOptions +ExportCertData), parsed on first use.</summary>
    public X509Certificate2? ClientCertificate
    {
        get
        {
            if (_clientCertificateRead)
                return _clientCertificate;
            _clientCertificateRead = true;
            if (Var("SSL_CLIENT_CERT", string.Empty) is { Length: > 0 } pem)
            {
                try
                {
                    _clientCertificate = X509Certificate2.CreateFromPem(pem);
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    _clientCertificate = null;
                }
            }
            return _clientCertificate;
        }
        set
        {
            _clientCertificate = value;
            _clientCertificateRead = true;
        }
    }

    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(ClientCertificate);

    // IApacheRequestFeature
    public IReadOnlyDictionary<string, string> Variables
    {
        get
        {
            if (_variables is null)
            {
                var variables = new Dictionary<string, string>(_varCount, StringComparer.Ordinal);
                for (var i = 0; i < _varCount; i++)
                    variables[_varNames[i]] = _varValues[i];
                _variables = variables;
            }
            return _variables;
        }
    }
    // Apache's values, whatever middleware (UsePathBase) makes of PathBase and Path afterwards.
    public string ScriptName => Var("SCRIPT_NAME", string.Empty);
    public string PathInfo => Var("PATH_INFO", string.Empty);
    public string ScriptFileName { get; }
    public string ApplicationGroup { get; }
    public string ProcessGroup { get; }

    /// <summary>Runs OnStarting callbacks (last registered first) and hands status and headers to Apache, once.</summary>
    internal async ValueTask StartResponseAsync()
    {
        if (_started)
            return;
        if (_onStarting is { } callbacks)
        {
            _onStarting = null;
            for (var i = callbacks.Count - 1; i >= 0; i--)
                await callbacks[i].Callback(callbacks[i].State);
        }
        _started = true;
        if (ResponseHeaders is HeaderDictionary dictionary)
            dictionary.IsReadOnly = true;
        var headers = new List<KeyValuePair<string, string>>(ResponseHeaders.Count);
        foreach (var (name, values) in ResponseHeaders)
        {
            foreach (var value in values)
            {
                if (value is not null)
                    headers.Add(new(name, value));
            }
        }
        var status = _statusCode;
        // Apache answers "500 Internal Server Error" on the status line for a code it does not
        // know (418, 425, ...) unless it is given a whole line: always give the reason, as Kestrel does.
        var reason = string.IsNullOrEmpty(_reasonPhrase) ? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) : _reasonPhrase;
        if (string.IsNullOrEmpty(reason))
            reason = "Status " + status;
        var sent = await _io.Run(static (io, state) =>
        {
            var (status, reason, headers) = ((int, string?, List<KeyValuePair<string, string>>))state!;
            return io.SendHeaders(status, reason, headers);
        }, (status, reason, headers));
        if (!sent)
            throw new InvalidOperationException($"Apache refused the response status {status} or its headers (DOTNET0234; see the error log)");
    }

    internal async Task FireOnCompletedAsync()
    {
        if (_onCompleted is not { } callbacks)
            return;
        _onCompleted = null;
        for (var i = callbacks.Count - 1; i >= 0; i--)
        {
            try
            {
                await callbacks[i].Callback(callbacks[i].State);
            }
            catch (Exception e)
            {
                Logging.ApacheLog.Server(ApacheLevel.Error, ErrorCode.AppException, $"{ScriptFileName}: an OnCompleted callback threw:\n{e}");
            }
        }
    }
}
