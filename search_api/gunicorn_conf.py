"""gunicorn's settings for every katdir server: `gunicorn -c python:search_api.gunicorn_conf
"search_api:create_app()"` (and `katdir serve`, the demo, the container).

Two blocks with separate owners: the process model (workers, threads, bind) and the bounds
that keep one request, one client or one log line from harming the service.
"""

# -- reliability: time, size and logging bounds ----------------------------------------------
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
