using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

/// <summary>Builds the HookRequest of a call from its ah_kv variables.</summary>
internal static unsafe class RequestBuilder
{
    public static HookRequest Build(HookCall* call, string applicationGroup, CallLog log)
    {
        var count = call->NVars > 0 && call->Vars != null ? call->NVars : 0;
        var variables = new KeyValuePair<string, string>[count + 1];
        var used = 0;
        var hasGroup = false;
        var vars = call->Vars;
        for (var i = 0; i < count; i++)
        {
            var kv = vars[i];
            if (kv.Name == null)
                continue;
            // Native passes the same names in the same order call after call, and many values
            // repeat: decode each once per thread.
            var name = StringCache.GetName(i, kv.Name);
            hasGroup |= name == HookRequest.ApplicationGroupVariable;
            variables[used++] = new KeyValuePair<string, string>(name, StringCache.GetValue(i, kv.Value));
        }
        if (!hasGroup)
            variables[used++] = new KeyValuePair<string, string>(HookRequest.ApplicationGroupVariable, applicationGroup);
        // The request owns the array from here (no copy, no dictionary unless a script asks for
        // Variables); it drops Authorization and Proxy-Authorization whatever it is given.
        return new HookRequest(variables, used, log);
    }

    /// <summary>For a hook that does not read the request (<see cref="HookSlot{TResult}.ReadsRequest"/>): no variables.</summary>
    public static HookRequest Empty(CallLog log) => new([], 0, log);
}
