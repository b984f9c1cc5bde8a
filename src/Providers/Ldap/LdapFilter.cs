using System.Text;

namespace AccessHooks.Providers.Ldap;

/// <summary>RFC 4515 escaping of values put into search filters.</summary>
public static class LdapFilter
{
    /// <summary>
    /// Escapes every character RFC 4515 reserves (<c>* ( ) \</c> and NUL) as <c>\xx</c>, and every
    /// non-ASCII character as the \xx escapes of its UTF-8 bytes, so a user name such as
    /// <c>admin)(uid=*</c> is one literal value and never changes the filter's structure.
    /// </summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x80)
            {
                if (c is '*' or '(' or ')' or '\\' or '\0' || char.IsControl(c))
                    builder.Append('\\').Append(((int)c).ToString("x2"));
                else
                    builder.Append(c);
                continue;
            }
            // A surrogate pair is one code point: encode both halves together.
            var length = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
                builder.Append('\\').Append(b.ToString("x2"));
        }
        return builder.ToString();
    }

    /// <summary><c>(attribute=escaped value)</c>.</summary>
    public static string Equal(string attribute, string value) => $"({attribute}={Escape(value)})";

    /// <summary>A filter in parentheses, as mod_authnz_ldap accepts "objectClass=x" in a URL and wraps it.</summary>
    public static string Parenthesize(string filter)
    {
        filter = filter.Trim();
        return filter.StartsWith('(') ? filter : $"({filter})";
    }
}
