"""gunicorn's settings for the katdir API, in one place for every way it is served:

    gunicorn --config python:search_api.gunicorn_conf 'search_api:create_app()'

The Dockerfile and docker-compose.yml run it so, and `python -m bench load` measures it.
"""

import os

# -- processes, threads and address (owner: speed, issue 13; figures in BENCHMARKS.md) -------
# A search is CPU work (SQLite and Python under the GIL), so processes, not threads, use the
# cores: one per core, plus one so a core has work while another process's request waits on
# its socket. A second thread per process takes the next request while one computes; more
# only queue behind the GIL, and each holds its own SQLite connection and page cache (32 MiB).
# WEB_CONCURRENCY (the variable gunicorn itself reads) overrides the number of processes.
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY") or (_CORES or 1) + 1)
worker_class = "gthread"
threads = 2
bind = "127.0.0.1:8000"  # this machine only; the container passes --bind 0.0.0.0:8000
# -- end of processes, threads and address ---------------------------------------------------
