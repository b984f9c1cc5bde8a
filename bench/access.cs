// The benchmark's access script: lets everyone through (make bench, against mod_lua's
// LuaHookAccessChecker doing the same).
public static class BenchAccess
{
    public static bool? AllowAccess(HookRequest request, string host) => true;
}
