using System.Net;
using System.Net.Sockets;

namespace AccessHooks.TestSupport;

/// <summary>Loopback TCP ports for the servers tests start (127.0.0.1 only).</summary>
public static class LoopbackPort
{
    /// <summary>A port nobody listens on right now (asked of the kernel, released before use).</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Whether something accepts a connection on 127.0.0.1:port within a second.</summary>
    public static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync(IPAddress.Loopback, port).Wait(1000) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
