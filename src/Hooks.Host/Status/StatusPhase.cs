using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Status;

/// <summary>
/// The managed twin of dotnet_status_page.c: this process's detail for SetHandler dotnet-status,
/// in the form the module asks for. Reads only; never loads a script or starts an app.
/// </summary>
internal static unsafe class StatusPhase
{
    public static int Describe(int form, HookResult* result)
    {
        var text = StatusForms.Render(StatusReport.Take(), form);
        result->Outcome = 0;
        result->ErrorCode = 0;
        result->Text = NativeString.ToMalloc(text);
        return Bridge.CallOk;
    }
}
