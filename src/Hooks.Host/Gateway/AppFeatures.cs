using System.Collections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// The request's IFeatureCollection. The features the gateway serves are this object itself,
/// found by a few type comparisons (as Kestrel's generated collection does) instead of a
/// dictionary filled on every request; what middleware sets (a response body wrapper, an
/// authentication result, null to remove one) goes into a small table that takes precedence.
/// </summary>
internal sealed partial class AppRequest : IFeatureCollection
{
    private Dictionary<Type, object?>? _overrides;
    private int _revision;

    public bool IsReadOnly => false;

    public int Revision => _revision;

    public object? this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            if (_overrides is not null && _overrides.TryGetValue(key, out var set))
                return set;
            return Builtin(key);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            (_overrides ??= new Dictionary<Type, object?>()).Remove(key);
            if (value is not null || Builtin(key) is not null)
                _overrides[key] = value; // null over a built-in feature removes it
            _revision++;
        }
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    // The features this request object implements itself; TLS only over https.
    private static readonly Type[] BuiltinTypes =
    [
        typeof(IHttpRequestFeature), typeof(IHttpResponseFeature), typeof(IHttpResponseBodyFeature),
        typeof(IHttpConnectionFeature), typeof(IHttpRequestLifetimeFeature), typeof(IHttpRequestIdentifierFeature),
        typeof(IHttpBodyControlFeature), typeof(IHttpRequestBodyDetectionFeature), typeof(IHttpMaxRequestBodySizeFeature),
        typeof(IHttpAuthenticationFeature), typeof(IApacheRequestFeature), typeof(ITlsConnectionFeature),
    ];

    private object? Builtin(Type key) =>
        Array.IndexOf(BuiltinTypes, key) < 0 || (key == typeof(ITlsConnectionFeature) && !_isHttps) ? null : this;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        foreach (var type in BuiltinTypes)
        {
            if (_overrides is not null && _overrides.ContainsKey(type))
                continue;
            if (Builtin(type) is { } feature)
                yield return new KeyValuePair<Type, object>(type, feature);
        }
        if (_overrides is null)
            yield break;
        foreach (var (type, feature) in _overrides)
        {
            if (feature is not null)
                yield return new KeyValuePair<Type, object>(type, feature);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
