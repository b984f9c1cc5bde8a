// The gateway's hello world (make bench): a script app, embedded. It declares its length, as
// bench/hello.wsgi and the C handler (bench/mod_bench_hello.c) do: without it the response is
// chunked, and the terminating chunk costs a second write to the socket and a second segment.
public static class Hello
{
    private static readonly byte[] Body = "Hello world!"u8.ToArray();

    public static Task Application(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = Body.Length;
        return context.Response.Body.WriteAsync(Body, 0, Body.Length);
    }
}
