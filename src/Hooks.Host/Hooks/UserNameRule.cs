namespace AccessHooks.Host.Hooks;

/// <summary>
/// Which user names a script may be handed. The module applies the same rule to the raw bytes
/// (dotnet_user_name_acceptable in dotnet_call.c) and refuses with 401 before calling; this
/// copy holds for callers other than the module (tests, embedders) and agrees with it byte for
/// byte: no C0 control (U+0000-U+001F), no DEL, no C1 control (U+0080-U+009F), whether the C1
/// character arrived as UTF-8 or as a raw byte decoded as Latin-1.
/// </summary>
internal static class UserNameRule
{
    public static bool IsAcceptable(string user)
    {
        if (user.Length == 0)
            return false;
        foreach (var c in user)
        {
            if (char.IsControl(c))
                return false;
        }
        return true;
    }
}
