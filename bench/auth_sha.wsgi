# mod_wsgi's side of the auth benchmark: the same {SHA} htpasswd check, parsed once per
# process (as fair as the dotnet provider, which also parses once).
import base64, hashlib, hmac, os

_users = None

def _load():
    global _users
    users = {}
    with open(os.environ.get("BENCH_HTPASSWD", "@HTPASSWD@")) as f:
        for line in f:
            name, _, hashed = line.strip().partition(":")
            if name and hashed.startswith("{SHA}"):
                users.setdefault(name, hashed[5:])
    _users = users

def check_password(environ, user, password):
    if _users is None:
        _load()
    expected = _users.get(user)
    if expected is None:
        return None
    actual = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()
    return hmac.compare_digest(actual, expected)
