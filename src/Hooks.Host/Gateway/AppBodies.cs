using Microsoft.AspNetCore.Http;

namespace AccessHooks.Host.Gateway;

internal sealed partial class AppRequest
{
    /// <summary>
    /// The request body as Apache's input filters deliver it (de-chunked; 100 Continue is sent on
    /// the first read), read straight into the caller's buffer: nothing is buffered here.
    /// </summary>
    private sealed class RequestBody(AppRequest request) : Stream
    {
        private long _read;
        private bool _ended;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!request.AllowSynchronousIO)
                throw new InvalidOperationException("Synchronous operations are disallowed. Call ReadAsync or set AllowSynchronousIO to true instead.");
            var copy = new byte[buffer.Length];
            var n = ReadAsync(copy, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            copy.AsSpan(0, n).CopyTo(buffer);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_ended || buffer.Length == 0)
                return 0;
            request.BodyReadStarted = true;
            var (n, status) = await request.Io.Run(static (io, state) =>
            {
                var memory = (Memory<byte>)state!;
                var n = io.Read(memory.Span, out var status);
                return (n, status);
            }, buffer);
            if (n < 0)
            {
                _ended = true;
                if (status == 0)
                {
                    request.MarkClientGone();
                    throw new IOException("The client went away while the request body was being read.");
                }
                throw new BadHttpRequestException(status == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is larger than Apache's LimitRequestBody." : $"The request body could not be read ({status}).", status);
            }
            if (n == 0)
            {
                _ended = true;
                return 0;
            }
            _read += n;
            if (request.MaxRequestBodySize is { } limit && _read > limit)
            {
                _ended = true;
                throw new BadHttpRequestException($"The request body is larger than the app's limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            return (int)n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// The response body into Apache's output filters. The first write (or flush) starts the
    /// response; Flush sends everything to the client at once (server-sent events); after the
    /// client has gone, writes are dropped.
    /// </summary>
    private sealed class ResponseBody(AppRequest request) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (!request.AllowSynchronousIO)
                throw new InvalidOperationException("Synchronous operations are disallowed. Call WriteAsync or set AllowSynchronousIO to true instead.");
            WriteAsync(buffer.ToArray(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!request.HasStarted)
                await request.StartResponseAsync();
            if (request.ClientGone || buffer.IsEmpty)
                return;
            var ok = await request.Io.Run(static (io, state) => io.Write(((ReadOnlyMemory<byte>)state!).Span), buffer);
            if (!ok)
                request.MarkClientGone();
        }

        public override void Flush()
        {
            if (!request.AllowSynchronousIO)
                throw new InvalidOperationException("Synchronous operations are disallowed. Call FlushAsync or set AllowSynchronousIO to true instead.");
            FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (!request.HasStarted)
                await request.StartResponseAsync();
            if (request.ClientGone)
                return;
            if (!await request.Io.Run(static (io, _) => io.Flush(), null))
                request.MarkClientGone();
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
