namespace AccessHooks.Providers.Tests;

/// <summary>
/// The test assembly's own entry point, in place of the empty one Microsoft.NET.Test.Sdk generates
/// (GenerateProgramFile is off in the project), so a test can run provider code in a fresh process
/// with <c>dotnet exec</c>: libldap reads ldap.conf, ldaprc files and LDAP* variables once per
/// process, at its first call, which in the test host has long happened. The test runner itself
/// never calls this.
/// </summary>
internal static class Program
{
    public static int Main(string[] args) => args switch
    {
        [LdapTlsProbe.Command, .. var rest] => LdapTlsProbe.Run(rest),
        _ => 2,
    };
}
