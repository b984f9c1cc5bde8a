// The gateway's hello world (make bench): a script app, embedded.
public static class Hello
{
    public static Task Application(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync("Hello world!");
    }
}
