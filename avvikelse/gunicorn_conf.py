"""gunicorn settings for production (README "Production"):

    gunicorn -c python:avvikelse.gunicorn_conf 'avvikelse:create_app()'

A module of the package, so a non-editable install has it too. Command-line flags win over
these (`--timeout 300`), and the bind address and worker count come from the environment.

Sync workers: one request per process at a time, no threads, the model the app is written for
(one session and one transaction per request, no shared state between requests). A sync worker
closes every connection after its response, so it belongs behind a proxy (nginx) that keeps
the browsers' connections open and buffers slow clients.

The scheduler never runs here: `avvikelse scheduler` is a process of its own (README
"Scheduled jobs and e-mail"), and create_app starts no threads, so preloading the app in the
master starts nothing that a fork could duplicate.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("AVVIKELSE_BIND", "127.0.0.1:8000")

# A sync worker is busy for the whole request, including the time it waits on PostgreSQL and
# the tens of seconds a large CSV/XLSX export streams. With one worker per core one export
# would take half of a two-core machine, so gunicorn's 2 × cores + 1: the extra workers cost
# memory (shared with the master until written, thanks to preload), not CPU, since no more run
# at once than there are cores. WEB_CONCURRENCY overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"

# Build the app once in the master: a bad configuration (no SECRET_KEY, an unknown region) stops
# the server at start instead of every worker failing in a loop, and the forked workers share
# the imported code's memory. post_fork below drops any database connection the master made.
# The code is then loaded once: SIGHUP restarts the workers on the old code, so a deploy
# restarts the whole service.
preload_app = True

# A sync worker does not tell the master it is alive while it handles a request, so a request
# longer than the timeout is killed. The longest are the streamed exports: 90-180 s for all of
# 10^6 cases (bench/README.md), so in proportion 9-18 s for a large region's 10^5. 120 s lets
# such an export finish and still frees a worker stuck on a dead connection within two minutes.
timeout = 120
# On a restart or stop, a worker may finish the request it is serving for this long.
graceful_timeout = 60
# Ignored by sync workers (they close every connection); kept at gunicorn's default so that a
# switch to gthread does not hold idle connections long.
keepalive = 2

# Restart each worker after about this many requests, at staggered times, so that slow growth
# in memory (caches, fragmentation) cannot build up; a restart costs one fork.
max_requests = 2000
max_requests_jitter = 200

# Requests to stdout for the service manager's journal: who, when, method and path, status,
# size, milliseconds and worker pid. The path without its query string: search words and list
# filters may hold names; who read which case is the audit log's to record, not this log's.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %(p)s'

# The app decides what to trust from the proxy (AVVIKELSE_PROXY_FIX and Werkzeug's ProxyFix,
# avvikelse/security.py); gunicorn would otherwise take X-Forwarded-Proto from 127.0.0.1 on
# its own and make a plain-HTTP request look secure behind the app's back.
secure_scheme_headers: dict[str, str] = {}

# gunicorn 25.1 and later open a control socket for `gunicornc` at a path per user
# ($HOME/.gunicorn/gunicorn.ctl), which two services of one user would share. Restarts go
# through the service manager's signals; earlier releases skip the unknown setting.
control_socket_disable = True


def pre_fork(server, worker) -> None:
    """Move everything the master has built (the app, its modules, SQLAlchemy's mappers, some
    250,000 objects) out of the collector's reach, so that a worker's full collections walk only
    what its requests made, and do not touch, and so copy, the pages shared with the master
    (Python docs, gc.freeze). Measured in process on Ärenden: a full collection every 60
    requests or so took 170 ms, 2.9 ms a request on average; 0.04 ms frozen."""
    gc.freeze()


def post_fork(server, worker) -> None:
    """Each worker opens its own database connections: a connection the master opened while
    building the app must not be shared across the fork (SQLAlchemy, "Using Connection Pools
    with Multiprocessing or os.fork()")."""
    if not server.cfg.preload_app:
        return  # each worker builds its own app: nothing was opened before the fork
    app = worker.app.wsgi()
    extensions = getattr(app, "extensions", {})
    if "sqlalchemy" not in extensions:
        return
    with app.app_context():
        for engine in extensions["sqlalchemy"].engines.values():
            engine.dispose(close=False)
