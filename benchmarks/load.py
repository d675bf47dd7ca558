"""Serving under load: 200 concurrent clients in a closed loop, per endpoint, two servers.

Each client sends a request, waits for the whole answer, and sends the next one at once
(closed loop, HTTP/1.1 keep-alive), for ``--seconds`` per endpoint. That is what many
people clicking at the same time look like to the server: a slow server shows up as a
lower request rate *and* a longer wait, which the open-loop benchmark (``api.py``)
cannot show at a fixed rate.

Two servers run in the same invocation, one after the other, on the same database:
the baseline (one process, as ``betrokken serve`` was before ``--workers``; with
``--baseline-src`` another checkout's code, e.g. the main branch) and the candidate
(``betrokken serve --workers N`` from this tree). The ratio of the two is the result;
absolute numbers depend on the machine, and the load generator shares its cores.

    python benchmarks/load.py --db betrokken.duckdb [--workers 2] [--clients 200]
        [--seconds 30] [--baseline-src ../main/src] [--json out.json]

Without ``--db`` it builds a database from BETROKKEN_DATA into a temporary folder.
The client is a few lines of asyncio streams (not httpx), so that the load generator
costs the server as little CPU as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "api_area": ("GET", "/api/areas/GM0344", None),
    "area_page": ("GET", "/gebied/GM0344", None),
    "compose": ("POST", "/api/compose", json.dumps(["3511", "3512", "3513", "3514"])),
}
TARGETS_GOALS = {  # issue 11, on a 2-core machine
    "api_area": "≥ 1,000 req/s, p95 ≤ 300 ms, 0 errors",
    "area_page": "≥ 300 req/s, p95 ≤ 800 ms",
    "compose": "≥ 300 req/s",
}
REQUEST_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, src: Path, workers: int | None) -> subprocess.Popen:
    """``betrokken serve`` from ``src`` (workers=None: a server without that option)."""
    args = [sys.executable, "-m", "betrokken.cli", "serve", "--db", str(db), "--port", str(port)]
    if workers is not None:
        args += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server stopped: {proc.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /api/profiles HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(16).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def request_bytes(method: str, path: str, body: str | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Accept-Encoding: gzip"]
    data = body.encode() if body else b""
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 answer (Content-Length or chunked); returns the status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])
               if k}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def closed_loop(port: int, target: tuple, clients: int, seconds: float) -> dict:
    payload = request_bytes(*target)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        reader = writer = None
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", port), REQUEST_TIMEOUT_S
                    )
                writer.write(payload)
                status = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT_S)
                if status != 200:
                    errors += 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.05)
                continue
            latencies.append(time.perf_counter() - t0)
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float | None:
        return round(latencies[min(int(q * len(latencies)), len(latencies) - 1)] * 1000, 1) \
            if latencies else None

    return {
        "requests": len(latencies),
        "errors": errors,
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }


def run(coro):
    """asyncio.run on uvloop when installed: the client should cost as little CPU as can be."""
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def measure(db: Path, src: Path, workers: int | None, args) -> dict:
    port = free_port()
    proc = start_server(db, port, src, workers)
    try:
        out = {}
        for name, target in TARGETS.items():
            run(closed_loop(port, target, min(args.clients, 20), 2.0))  # warm caches
            out[name] = run(closed_loop(port, target, args.clients, args.seconds))
            print(f"  {name:10s} {out[name]}", flush=True)
        return out
    finally:
        stop_server(proc)


def build_temporary_db() -> Path:
    from betrokken.build import build_database

    data = os.environ.get("BETROKKEN_DATA")
    if not data:
        raise SystemExit("Give --db or set BETROKKEN_DATA.")
    db = Path(tempfile.mkdtemp(prefix="betrokken-load-")) / "betrokken.duckdb"
    build_database(db, Path(data).resolve(), quiet=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="src/ of another checkout for the baseline (default: this tree, "
                        "one process)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    db = args.db.resolve() if args.db else build_temporary_db()

    here = ROOT / "src"
    base_src = args.baseline_src.resolve() if args.baseline_src else here
    print(f"baseline: one process from {base_src}", flush=True)
    baseline = measure(db, base_src, None if args.baseline_src else 1, args)
    print(f"candidate: --workers {args.workers} from {here}", flush=True)
    candidate = measure(db, here, args.workers, args)

    result = {"clients": args.clients, "seconds": args.seconds, "workers": args.workers,
              "cores": os.cpu_count(), "baseline_src": str(base_src),
              "baseline": baseline, "candidate": candidate, "ratio_req_per_s": {}}
    print(f"\n{'endpoint':10s} {'base req/s':>10s} {'p95 ms':>8s} {'new req/s':>10s} "
          f"{'p95 ms':>8s} {'errors':>7s} {'ratio':>6s}  goal")
    for name in TARGETS:
        b, c = baseline[name], candidate[name]
        ratio = round(c["req_per_s"] / b["req_per_s"], 2) if b["req_per_s"] else None
        result["ratio_req_per_s"][name] = ratio
        print(f"{name:10s} {b['req_per_s']:10.1f} {b['p95_ms'] or 0:8.1f} {c['req_per_s']:10.1f} "
              f"{c['p95_ms'] or 0:8.1f} {c['errors']:7d} {ratio or 0:6.2f}  {TARGETS_GOALS[name]}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
