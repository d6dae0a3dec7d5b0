"""A bounded load run on loopback: the hostile files first, then a fixed number of ordinary requests.

    python bench/load.py [--requests 3000] [--threads 8] [--workers 2] [--port 8765]

Uses its own database (LOAD_DATABASE_URL, default a SQLite file under bench/out/), migrates and
seeds it, starts gunicorn on 127.0.0.1 with the repository's gunicorn.conf.py, uploads every bomb
of tests/hostile/bombs.py (each must be refused with its message), then sends the fixed number of
requests (entry pages, review, dashboard, API list, aggregates, CSV) from several threads. It
prints the errors (a 5xx, a refused connection, an unexpected status), latencies, and the highest
resident memory any worker reached, then stops gunicorn. Exit status 1 on any error or on a worker
above 300 MB.
"""

import argparse
import http.client
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
RSS_LIMIT_MB = 300
PASSWORD = "load-" + secrets.token_urlsafe(8)

from tests.hostile import bombs  # noqa: E402


class Client:
    """One keep-alive connection with its own cookies (a logged-in browser, or a token client)."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.token, self.cookies = port, token, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn replaces a worker after max_requests and closes its keep-alive connections
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        for header, value in r.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return r.status, data

    def login(self, username: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = f"csrfmiddlewaretoken={token}&username={username}&password={PASSWORD}".encode()
        status, _ = self.request("POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302 and "sessionid" in self.cookies, f"login of {username} failed ({status})"

    def upload(self, path: str, name: str, data: bytes) -> tuple[int, bytes]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{self.cookies["csrftoken"]}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": self.cookies["csrftoken"]}
        return self.request("POST", path, b"".join(parts), headers)


def workers_of(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryWatch(threading.Thread):
    """Samples every worker's peak resident memory (VmHWM) until stopped; workers replaced meanwhile count too."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.peaks, self.running = master, {}, True

    def run(self):
        while self.running:
            for pid in workers_of(self.master):
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), rss_mb(pid, "VmHWM"))
            time.sleep(0.1)


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("HEAD", "/accounts/login/")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port}")


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("LOAD_DATABASE_URL") or f"sqlite:///{OUT / 'load.sqlite3'}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",  # plain HTTP on loopback
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "API_THROTTLE_RATE": "1000000/hour",
        "LOG_LEVEL": "ERROR",
    }
    print(f"database: {env['DATABASE_URL']}", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--password", PASSWORD)
    token = manage(env, "create_api_token", "reviewer", "--days", "1").strip().splitlines()[-1].strip()

    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    cmd = [
        str(gunicorn),
        "reform_portal.wsgi",
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
    ]
    log = (OUT / "load-gunicorn.log").open("w")
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for(args.port)
        watch = MemoryWatch(server.pid)
        watch.start()
        errors: list[str] = []

        # 1. The hostile files, three of each at once, as in issue 12.
        def bomb(name: str) -> tuple[str, int, float, bool]:
            client = Client(args.port)
            client.login("canloc")
            builder, message = bombs.BOMBS[name]
            start = time.monotonic()
            status, page = client.upload("/entry/HT-443/2019/1/upload/", "bieu-mau.xlsx", builder())
            return name, status, time.monotonic() - start, message.encode() in page

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(bomb, [name for name in bombs.BOMBS for _ in range(3)]))
        for name, status, _seconds, said in results:
            if status != 400 or not said:
                errors.append(f"bomb {name}: HTTP {status}, message shown: {said}")
        print(
            f"bombs: {len(results)} uploads, all refused with their message: {not errors}, slowest {max(r[2] for r in results):.2f} s"
        )
        after_bombs = max(watch.peaks.values(), default=0.0)

        # 2. A fixed number of ordinary requests.
        paths = [
            ("clerk", "/entry/"),
            ("clerk", "/entry/HT-443/2018/4/"),
            ("clerk", "/entry/HT-443/2018/4/xlsx/"),
            ("reviewer", "/"),
            ("reviewer", "/review/?year=2018&quarter=4"),
            ("reviewer", "/reports/annual/2018/"),
            ("api", "/api/v1/values/?year=2018&page_size=500"),
            ("api", "/api/v1/values/?year=2018&format=csv&page_size=500"),
            ("api", "/api/v1/aggregates/?org_unit=HT&year=2018"),
            ("clerk", "/entry/HT-444/2018/4/"),  # a foreign unit: the portal's 404
        ]
        expected = {"/entry/HT-444/2018/4/": 404}
        local = threading.local()
        latencies: list[float] = []

        def one(i: int) -> None:
            if not hasattr(local, "clients"):
                clerk, reviewer = Client(args.port), Client(args.port)
                clerk.login("canloc")
                reviewer.login("reviewer")
                local.clients = {"clerk": clerk, "reviewer": reviewer, "api": Client(args.port, token)}
            who, path = paths[i % len(paths)]
            start = time.monotonic()
            try:
                status, _body = local.clients[who].request("GET", path)
            except OSError as exc:
                errors.append(f"{path}: {exc!r}")
                return
            latencies.append(time.monotonic() - start)
            if status != expected.get(path, 200):
                errors.append(f"{path}: HTTP {status}")

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(one, range(args.requests)))
        elapsed = time.monotonic() - start
        watch.running = False
        watch.join()
        peak = max(watch.peaks.values(), default=0.0)
        print(
            f"load: {args.requests} requests in {elapsed:.1f} s ({args.requests / elapsed:.0f}/s), {args.threads} threads, "
            f"{args.workers} workers; p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
        )
        print(f"errors: {len(errors)}")
        for e in errors[:20]:
            print("  " + e)
        print(
            f"worker peak RSS: {after_bombs:.0f} MB after the bombs, {peak:.0f} MB over the whole run (limit {RSS_LIMIT_MB} MB)"
        )
        return 1 if errors or peak > RSS_LIMIT_MB else 0
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    raise SystemExit(main())
