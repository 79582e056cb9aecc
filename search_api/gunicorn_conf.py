"""gunicorn's settings for the katdir API, in one place for every way it is served:

    gunicorn --config python:search_api.gunicorn_conf 'search_api:create_app()'

The Dockerfile and docker-compose.yml run it so, and `python -m bench load` measures it.
"""

import gc
import os

from katdir.settings import usable_cores
from search_api.privacy import ACCESS_LOG_FORMAT

# -- processes, threads and address (owner: speed, issue 13; figures in BENCHMARKS.md) -------
# A search is CPU work (SQLite and Python under the GIL), so processes, not threads, use the
# cores: one per core, plus one so a core has work while another process's request waits on
# its socket. A second thread per process takes the next request while one computes; more
# only queue behind the GIL, and each holds its own SQLite connection and page cache (32 MiB).
# WEB_CONCURRENCY (the variable gunicorn itself reads) overrides the number of processes.
workers = int(os.environ.get("WEB_CONCURRENCY") or usable_cores() + 1)
worker_class = "search_api.serving.BalancedThreadWorker"  # gthread, spreading connections
threads = 2
bind = "127.0.0.1:8000"  # this machine only; the container passes --bind 0.0.0.0:8000


def post_worker_init(worker) -> None:
    """The app is built, and what it made lives as long as the process (~75k objects: routes,
    schemas, validators, the gazetteer's tables): gc.freeze() keeps them out of the collector's
    full passes, which otherwise walk them all every few thousand requests and stall the
    process's threads (`python -m bench apicpu`: full_collection_ms)."""
    gc.freeze()


# -- end of processes, threads and address ---------------------------------------------------

# -- time, size and logging bounds (owner: reliability, issue 11) ----------------------------
# A search stops itself at katdir.store.SEARCH_TIMEOUT (2 s) through SQLite's progress handler
# or Elasticsearch's `timeout`, so no request should come near this; a worker silent for
# longer than `timeout` is hung and gets replaced.
timeout = 30
graceful_timeout = 10
keepalive = 5
# Request heads: the longest URL the API needs is a search with every filter (< 1 KB).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Logs keep no visitor: no address, User-Agent or referrer, and no place, text or exact
# position from a query (search_api/privacy.py; the development server uses the same).
logger_class = "search_api.privacy.GunicornLogger"
access_log_format = ACCESS_LOG_FORMAT
accesslog = "-"
errorlog = "-"
# gunicorn's runtime control socket (one path per user, shared by every server started):
# not needed to run katdir, and one more way in.
control_socket_disable = True
# -- end of time, size and logging bounds ----------------------------------------------------

# -- answer cache report (owner: load, issue 13) ---------------------------------------------


def worker_exit(server, worker) -> None:
    """Each worker says, as it exits, how often its kept answers were used
    (search_api/answers.py; `python -m bench load` reads these lines)."""
    answers = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("katdir.answers")
    if answers is not None:
        import json

        server.log.info("answer cache: %s", json.dumps(answers.stats()))


# -- end of answer cache report --------------------------------------------------------------
