"""API latency under load and time to first map paint (reporting only, no pass/fail).

Targets (issue #5): p95 <= 20 ms for the area and compose endpoints at 200 requests/s
on loopback, and the first map paint in headless Chromium within 1.5 s.

The server is the real one (``betrokken serve`` in a subprocess, one uvicorn worker).
Load is open-loop: requests start on a fixed schedule whatever the answers do, so a
slow server shows up as latency instead of silently lowering the request rate.

    python benchmarks/api.py --db betrokken.duckdb [--rate 200] [--seconds 10] [--json out.json]

Without ``--db`` it builds a database from BETROKKEN_DATA into a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "betrokken.cli", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server stopped: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/profiles", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 60 s")


def sample_inputs(db: Path, seed: int, n_sets: int) -> tuple[list[str], list[list[str]]]:
    """Area codes of every level, and distinct postcode sets (5-20 PC4 of one gemeente).

    Every compose request gets a set of its own, so the app's composition cache never
    answers: the numbers are for new custom areas.
    """
    from betrokken.store.database import connect

    con = connect(db, read_only=True)
    try:
        codes = [
            r[0]
            for r in con.execute(
                "SELECT area_code FROM areas WHERE is_current ORDER BY area_code"
            ).fetchall()
        ]
        pcs = con.execute(
            "SELECT a.gemeente_code, list(i.area_code) FROM area_indices i "
            "JOIN areas a USING (level, area_code, year) "
            "WHERE i.level = 'pc4' AND NOT i.suppressed GROUP BY a.gemeente_code"
        ).fetchall()
    finally:
        con.close()
    rng = random.Random(seed)
    groups = [sorted(c) for _, c in pcs if len(c) >= 5]
    sets: dict[tuple[str, ...], list[str]] = {}
    while len(sets) < n_sets:
        group = rng.choice(groups)
        chosen = rng.sample(group, min(len(group), rng.randint(5, 20)))
        sets.setdefault(tuple(sorted(chosen)), chosen)
    return codes, list(sets.values())


async def open_loop(port: int, make_request, rate: float, seconds: float, max_requests: int):
    """Start requests on a fixed schedule (``rate`` per second) over a pool of keep-alive
    connections; latency counts from the scheduled start, so waiting for a free
    connection is included (no coordinated omission).

    A small raw HTTP/1.1 client instead of httpx: at a few hundred requests per second
    on two cores a heavy client measures itself rather than the server.
    """
    n = min(max_requests, int(rate * seconds))
    latencies: list[float] = []
    errors: list[str] = []
    queue: asyncio.Queue = asyncio.Queue()
    start = time.perf_counter() + 0.05
    for i in range(n):
        queue.put_nowait((start + i / rate, i))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                try:
                    due, i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                method, path, body = make_request(i)
                payload = b"" if body is None else json.dumps(body).encode()
                head = (
                    f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
                )
                writer.write(head.encode() + payload)
                status, _ = await read_response(reader)
                if status != 200:
                    errors.append(f"{status} {path}")
                else:
                    latencies.append(time.perf_counter() - due)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    wall = time.perf_counter() - start
    return latencies, errors, wall, n


CONNECTIONS = 32
"""Keep-alive connections of the load generator (a browser opens six per host)."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key.lower() == "content-length":
            length = int(value)
        elif key.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readline()).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


def sequential_ms(base: str, make_request, n: int) -> dict:
    """Latency with one client and no queue: the server's own cost per request."""
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for i in range(n):
            method, path, body = make_request(10_000 + i)
            t0 = time.perf_counter()
            client.request(method, path, json=body).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return {"unloaded_p50_ms": round(statistics.median(times), 2)}


def summarise(name: str, latencies, errors, wall, n, rate) -> dict:
    ms = sorted(x * 1000 for x in latencies)

    def pct(p):
        return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))] if ms else float("nan")

    return {
        "endpoint": name,
        "target_rate": rate,
        "requests": n,
        "achieved_rate": round(n / wall, 1),
        "ok": len(ms),
        "errors": len(errors),
        "error_examples": errors[:3],
        "p50_ms": round(pct(50), 2),
        "p95_ms": round(pct(95), 2),
        "p99_ms": round(pct(99), 2),
        "max_ms": round(ms[-1], 2) if ms else None,
        "target_p95_ms": 20,
    }


def time_to_first_paint(base: str, path: str, runs: int) -> dict | None:
    """Navigation start -> first frame with our polygons drawn (and -> map idle),
    in headless Chromium with software WebGL (SwiftShader, --disable-gpu)."""
    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        return None
    from playwright.sync_api import sync_playwright

    times, idle = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for i in range(runs + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(base + path)
            page.wait_for_selector("#kaart[data-ready='1']", state="attached", timeout=30_000)
            painted, settled = page.evaluate(
                "[window.betrokkenMapPainted, window.betrokkenMapIdle]"
            )
            context.close()
            if i > 0:  # the first run warms the server's GeoJSON cache and the OS
                times.append(painted / 1000)
                idle.append(settled / 1000)
        browser.close()
    return {
        "page": path,
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "median_idle_s": round(statistics.median(idle), 3),
        "target_s": 1.5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--paint-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="write the report here too")
    args = parser.parse_args()

    tmp = None
    db = args.db
    if db is None:
        from betrokken.build import build_database
        from betrokken.config import data_dir_from

        tmp = tempfile.TemporaryDirectory(prefix="betrokken-bench-")
        db = Path(tmp.name) / "betrokken.duckdb"
        print(f"building {db} from {os.environ.get('BETROKKEN_DATA')} ...", file=sys.stderr)
        build_database(db, data_dir_from(None), quiet=True)

    codes, sets = sample_inputs(db, args.seed, args.max_requests + 100)
    rng = random.Random(args.seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(db, port)
    report: dict = {"db": str(db), "cpu_count": os.cpu_count(), "load": [], "paint": None}
    try:
        httpx.get(base + "/api/areas/GM0344")  # warm-up
        scenarios = [
            ("GET /api/areas/{code}", lambda i: ("GET", f"/api/areas/{rng.choice(codes)}", None)),
            ("POST /api/compose", lambda i: ("POST", "/api/compose", sets[i % len(sets)])),
        ]
        for name, make in scenarios:
            alone = sequential_ms(base, make, 50)
            result = asyncio.run(open_loop(port, make, args.rate, args.seconds, args.max_requests))
            report["load"].append({**summarise(name, *result, args.rate), **alone})
        report["paint"] = time_to_first_paint(base, "/gebied/GM0344", args.paint_runs)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if tmp is not None:
            tmp.cleanup()

    for row in report["load"]:
        print(
            f"{row['endpoint']:<24} {row['requests']} req at {row['achieved_rate']}/s "
            f"(target {row['target_rate']:.0f}/s): p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms "
            f"(target <= 20), p99 {row['p99_ms']} ms, errors {row['errors']}; "
            f"one client, no load: p50 {row['unloaded_p50_ms']} ms"
        )
    paint = report["paint"]
    if paint:
        print(
            f"first map paint {paint['page']}: median {paint['median_s']} s over "
            f"{paint['runs']} runs, max {paint['max_s']} s (target <= 1.5 s); "
            f"map idle: median {paint['median_idle_s']} s"
        )
    else:
        print("first map paint: skipped (no /usr/bin/chromium)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
