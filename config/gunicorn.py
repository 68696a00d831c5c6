"""Gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi:application`.

Every value can be overridden from the environment, so one image fits any host.
"""

from __future__ import annotations

import math
import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cpu_count() -> int:
    # os.cpu_count() sees the whole host; a container may be limited to less,
    # either by a CPU set or by a cgroup v2 quota ("max 100000" = unlimited).
    cpus = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count() or 1
    )
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


# Behind a proxy or load balancer: listen on all interfaces of the container.
bind = f"0.0.0.0:{_int('PORT', 8000)}"

# The classic 2*cores+1, capped: every worker thread holds its own PostgreSQL
# connection, and PostgreSQL's default max_connections is only 100.
workers = _int("WEB_CONCURRENCY", min(2 * _cpu_count() + 1, 8))
# A few threads per worker ride out slow clients and Stripe calls.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)

# Kill a worker stuck longer than this; the load balancer times out around here too.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM let requests in flight finish, but within Docker/Kubernetes' grace period (30s).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
# Idle keep-alive from the proxy. Behind a load balancer that reuses connections,
# set it above the balancer's idle timeout (e.g. 65 for AWS ALB) to avoid 502s.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then to cap slow memory growth; the jitter keeps
# them from all restarting at the same moment. Not too often: a worker boots
# Django again and starts with cold caches, and at 1,000 requests/s a limit of
# 1,000 restarted every worker every few seconds, which alone made the slowest
# 1 % of answers take a second (bench/load.py: /healthz p99 989 ms at 1,000,
# 69 ms at 10,000).
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
# Django is loaded once in the master and each worker forked from it, so a
# recycled worker is ready at once instead of importing everything again: the
# master also compiles the templates and reads the catalogues first
# (config/warmup.py; without it a replaced worker's first pages made the
# slowest 1 % of answers under load: p99 452 ms against 67 ms with it).
# config/wsgi.py closes the start-up check's database connection before the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)

# Logs go to stdout/stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Only these addresses may tell gunicorn the original scheme (X-Forwarded-Proto);
# set to the proxy's address or network, or "*" when only the proxy can reach us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The heartbeat file is touched constantly; keep it in memory, not on the
# container's overlay filesystem, where writes can stall workers.
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"

# No runtime control socket (gunicornc): nobody uses it in a container, and it
# would need a writable $HOME.
control_socket_disable = True
