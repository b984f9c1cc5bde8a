namespace AccessHooks.Providers.Htpasswd;

/// <summary>The password hash formats an htpasswd file can hold.</summary>
public enum HashFormat
{
    /// <summary>Not a format Apache accepts on Linux (plaintext included): the user is always denied.</summary>
    Refused = 0,
    /// <summary>bcrypt: $2y$ (htpasswd -B), $2a$, $2b$. Verified by libxcrypt, or by BCrypt.Net-Next where libxcrypt is absent.</summary>
    Bcrypt,
    /// <summary>Apache MD5: $apr1$ (htpasswd -m, the default). Managed.</summary>
    AprMd5,
    /// <summary>Unsalted SHA-1: {SHA} (htpasswd -s). Managed.</summary>
    Sha1,
    /// <summary>Traditional DES crypt, 13 characters (htpasswd -d). Verified by libxcrypt.</summary>
    DesCrypt,
    /// <summary>$1$ MD5 crypt. Verified by libxcrypt.</summary>
    Md5Crypt,
    /// <summary>$5$ SHA-256 crypt (htpasswd -2). Verified by libxcrypt.</summary>
    Sha256Crypt,
    /// <summary>$6$ SHA-512 crypt (htpasswd -5). Verified by libxcrypt.</summary>
    Sha512Crypt,
    /// <summary>$y$ yescrypt (Debian's /etc/shadow default). Verified by libxcrypt.</summary>
    Yescrypt,
}
