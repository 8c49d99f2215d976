"""gunicorn settings for the platform (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`, as
deploy/whitepaper-web.service runs it). A setting given on the command line wins over this file, so
`-b 127.0.0.1:PORT` (as `make production-check` passes) or `-w 4` can change one value without editing it."""
import os

# Only the reverse proxy on the same machine reaches gunicorn; nginx terminates TLS in front of it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Workers: the pages are short database-bound requests; the long work (PDF reports, mail) runs in the
# `flask worker` service. Two per core is a fair start on a small server (at least 2).
workers = max(2, int(os.environ.get("GUNICORN_WORKERS", "2")))
# Threads in each worker: while one request waits on PostgreSQL, another's Python runs (the GIL is released
# during the wait). The app keeps no per-request state outside Flask's contexts, and its in-process caches lock.
# Two, as measured by make bench on 2 cores: the load mix rose from 104 req/s (sync workers) to 198 (together
# with fewer queries per signed-in page); 4 threads gave the mix no more and slowed vote day (p50 225 -> 343 ms).
worker_class = "gthread"
threads = max(1, int(os.environ.get("GUNICORN_THREADS", "2")))
timeout = 120           # a scorecard PDF rendered in the request may take several seconds
graceful_timeout = 20   # SIGTERM lets a request in progress finish, then the worker is killed
max_requests = 2000     # workers are replaced now and then, so slow growth of memory cannot pile up
max_requests_jitter = 200
# Only the proxy on this machine may say a request came over HTTPS (gunicorn's wsgi.url_scheme).
forwarded_allow_ips = "127.0.0.1"
control_socket_disable = True  # gunicorn's control socket (in the user's home) is not used by this recipe
accesslog = "-"         # to the journal; the app writes its own JSON line per request too
errorlog = "-"
loglevel = "info"


# --- metrics (prometheus_client multiprocess mode) -----------------------------------------------------------
# With PROMETHEUS_MULTIPROC_DIR set (an empty folder, emptied at each start: see whitepaper-web.service), each
# worker writes its figures there; when a worker ends, its live gauges must be forgotten.
def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from whitepaper.observability.metrics import child_exit as forget_worker
        forget_worker(server, worker)
