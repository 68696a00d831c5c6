"""The exports and the chain check of the grants benchmark, each measured in a
fresh child process (wall time, statements, memory)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.grants_bench.pages import _client, _get
from bench.grants_bench.seed import Seed

# The child is the entry script itself, run with --probe.
ENTRY = Path(__file__).resolve().parent.parent / "grants.py"


# --- measurements: exports and the chain, in a child process -------------------------------


class RssSampler(threading.Thread):
    """The resident set size of this process, sampled every 2 ms; remembers the peak."""

    def __init__(self):
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.002)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        return self.peak


def _high_water_mark() -> int | None:
    """Peak resident set of this process since its exec (Linux), in bytes."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _trim() -> None:
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def probe(kind: str, schema: str, tracemalloc_pass: bool) -> dict:
    """In a fresh process: one export (or the chain check), measured twice."""
    import tracemalloc

    import psutil
    from django.db import connection

    from tenants.models import Tenant

    def run_export(url):
        client = _client()
        statements = [0, 0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            statements[1] += sql.startswith("SET search_path")
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = _get(client, url)
            size = 0
            for chunk in response.streaming_content:
                size += len(chunk)
            response.close()
        return {"bytes": size, "queries": statements[0], "search_path": statements[1]}

    def run_verify(_url):
        from grants.audit import verify_stored

        connection.set_tenant(Tenant.objects.get(schema_name=schema))
        report = verify_stored()
        return {"events": report.events, "ok": report.ok, "reason": report.reason}

    url = {"json": "/open-data/grants.json", "csv": "/open-data/grants.csv"}.get(kind)
    run = run_verify if kind == "verify" else run_export
    # Warm up: middleware, URLconf, templates, the export module, the tenant row.
    _get(_client(), "/grants/")
    import grants.audit  # noqa: F401
    import grants.open_data  # noqa: F401

    connection.set_schema_to_public()
    _trim()
    process = psutil.Process()
    baseline = process.memory_info().rss
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    result = run(url)
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    result.update(
        seconds=seconds,
        rss_baseline=baseline,
        rss_growth=peak - baseline,
        peak_rss=_high_water_mark() or peak,
    )
    if tracemalloc_pass:
        connection.set_schema_to_public()
        _trim()
        tracemalloc.start()
        started = time.perf_counter()
        run(url)
        result["traced_seconds"] = time.perf_counter() - started
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


@dataclass(frozen=True)
class ProbeRow:
    what: str
    size: str
    result: dict


PROBES = (
    ("json", "full JSON export `/open-data/grants.json`"),
    ("csv", "CSV export `/open-data/grants.csv`"),
    ("verify", "chain check `grants.audit.verify_stored()`"),
)


def run_probes(seed: Seed, tracemalloc_pass: bool) -> list[ProbeRow]:
    rows = []
    for kind, label in PROBES:
        command = [
            sys.executable,
            str(ENTRY),
            "--probe",
            kind,
            "--schema",
            seed.tenant.schema_name,
        ]
        if not tracemalloc_pass:
            command.append("--no-tracemalloc")
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"FAIL: probe {kind}:\n{done.stdout}\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if kind == "verify" and not (result["ok"] and result["events"] == seed.events):
            raise SystemExit(f"FAIL: the audit chain does not verify: {result}")
        print(
            f"  {kind}: {time.perf_counter() - started:.1f} s (child process)",
            flush=True,
        )
        rows.append(ProbeRow(label, seed.label, result))
    return rows
