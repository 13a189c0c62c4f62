"""The served model under a bounded loopback load: micro-batching on vs off.

Starts `vertune serve RUN` on a free loopback port (once with micro-batching, once without), waits for
/readyz, then C concurrent clients send N single-text requests in total (texts cycled from the run's test
split) and the script records latency p50 / p99 (client side), requests/s and errors (non-200 or transport
failures). One JSON line on stdout with both configurations, and the same model's offline throughput
(`Predictor` at batch 32 over the same texts, in this process, before the servers start): the served
requests/s divided by it is the serving efficiency (issue 15's target: >= 0.8 for one worker).

    .venv/bin/python bench/serve_load.py --run runs/drug-reviews-minilm --requests 2000 --clients 64
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
import psutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vertune.deploy.data import run_splits
from vertune.deploy.latency import throughput
from vertune.deploy.runtimes import load_predictor
from vertune.hardware import machine_info
from vertune.run import RunDir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(run: Path, port: int, extra: list[str]) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "vertune",
        "serve",
        str(run),
        "--port",
        str(port),
        "--queue-size",
        "1024",
        *extra,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("server did not start")


async def load(port: int, texts: list[str], requests: int, clients: int) -> dict:
    latencies: list[float] = []
    errors: Counter[str] = Counter()  # what failed: an HTTP status, or the transport exception's class
    counter = iter(range(requests))

    async def client(http: httpx.AsyncClient) -> None:
        for i in counter:
            start = time.perf_counter()
            try:
                response = await http.post("/v1/predict", json={"inputs": texts[i % len(texts)]})
                if response.status_code != 200:
                    errors[f"HTTP {response.status_code}"] += 1
            except httpx.HTTPError as exc:
                errors[f"{type(exc).__name__}: {exc}"[:200]] += 1
            latencies.append(time.perf_counter() - start)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as http:
        begin = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - begin
    return {
        "requests": requests,
        "clients": clients,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "requests_per_s": round(requests / wall, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 1),
        "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "seconds": round(wall, 1),
    }


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of the server process and its children (uvicorn's workers)."""
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, default=Path("runs/drug-reviews-minilm"))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--backend", default=None, help="torch or onnx (default: the run's own)")
    parser.add_argument(
        "--only", choices=["on", "off"], default=None, help="one configuration: batching on / off"
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes (vertune serve --workers)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]  # 1-minute load average before the servers start
    texts = [str(t) for t in run_splits(RunDir(args.run)).test.inputs]
    backend = ["--backend", args.backend] if args.backend else []
    backend += ["--workers", str(args.workers)] if args.workers > 1 else []
    configurations = {
        "batching on": ["--max-batch", "32", "--max-wait-ms", "5"],
        "batching off": ["--no-batching"],
    }
    if args.only:
        configurations = {f"batching {args.only}": configurations[f"batching {args.only}"]}
    # The model alone, batch 32, the same texts cycled to the request count's first 1,000 (or all of them).
    offline_texts = [texts[i % len(texts)] for i in range(min(args.requests, 1000))]
    offline = throughput(load_predictor(args.run, args.backend), offline_texts, batch_size=32, repeats=3)
    print(f"offline batch-32 throughput: {offline} inputs/s", file=sys.stderr)
    results = {}
    for name, extra in configurations.items():
        port = free_port()
        process = start(args.run, port, backend + extra)
        try:
            print(f"load: {name}", file=sys.stderr)
            # CPU seconds of the client (this process) and of the server (with its worker processes): on
            # loopback both share the machine, and the client's share is CPU the server did not get.
            server_before, client_before = server_cpu(process.pid), client_cpu()
            results[name] = asyncio.run(load(port, texts, args.requests, args.clients))
            results[name]["server_cpu_s"] = round(server_cpu(process.pid) - server_before, 1)
            results[name]["client_cpu_s"] = round(client_cpu() - client_before, 1)
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            results[name]["server_forward_passes"] = next(
                float(line.split()[-1])
                for line in metrics.splitlines()
                if line.startswith("vertune_batch_size_count")
            )
            results[name]["x_offline"] = round(results[name]["requests_per_s"] / offline, 3)
            results[name]["p99_over_p50"] = round(results[name]["p99_ms"] / results[name]["p50_ms"], 2)
            print(json.dumps(results[name]), file=sys.stderr)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
    print(
        json.dumps(
            {
                "bench": "serve_load",
                "date": dt.date.today().isoformat(),
                "run": str(args.run),
                "backend": args.backend or "run's own",
                "workers": args.workers,
                "offline_bs32_inputs_per_s": offline,
                "load_before": load_before,
                "load_after": os.getloadavg()[0],
                "machine": machine_info(),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
