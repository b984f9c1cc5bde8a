# mod_wsgi's hello world (make bench), embedded.
def application(environ, start_response):
    body = b"Hello world!"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
