"""A tiny WSGI app that the Kudu and site-runtime tests zip-deploy to App Service (no framework, standard library only)."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def _version():
    try:
        with open(os.path.join(HERE, "version.txt"), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "unversioned"


VERSION = _version()


def _json(start_response, status, obj, extra=()):
    data = json.dumps(obj).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *extra])
    return [data]


def app(environ, start_response):
    path = environ.get("PATH_INFO") or "/"
    if path == "/env":
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        info = {"version": VERSION, "pid": os.getpid(), "pgid": os.getpgid(0), "cwd": os.getcwd(), "env": dict(os.environ), "headers": headers,
                "host": environ.get("HTTP_HOST")}
        return _json(start_response, "200 OK", info)
    if path == "/db":
        import psycopg
        try:
            with psycopg.connect(os.environ["POSTGRESQLCONNSTR_erpdb"], connect_timeout=10) as conn:
                row = conn.execute("SELECT host(inet_client_addr()), current_user, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())").fetchone()
                info = conn.info
                return _json(start_response, "200 OK", {"client_addr": row[0], "user": row[1], "ssl": row[2], "host": info.host,
                                                        "hostaddr": info.hostaddr, "port": info.port})
        except psycopg.Error as exc:
            return _json(start_response, "500 Internal Server Error", {"error": str(exc)})
    if path == "/cookies":
        return _json(start_response, "200 OK", {"ok": True}, [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")])
    if path == "/missing":
        return _json(start_response, "404 Not Found", {"error": "no such page"})
    if path == "/crash":
        os._exit(1)  # a worker dies (not 3: gunicorn halts on a worker "boot error" exit code)
    body = f"hello from {VERSION}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
