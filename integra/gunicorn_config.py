"""gunicorn settings for production: ``gunicorn -c python:integra.gunicorn_config integra.wsgi``
(what ``make serve`` runs; README, "Running in production").

The application runs behind a reverse proxy that terminates TLS, so by default it listens on the
loopback only; ``GUNICORN_BIND`` (e.g. ``0.0.0.0:8000`` in a container) and ``WEB_CONCURRENCY``
(worker processes) come from the environment like every other setting.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
# A PDF of UVM minutes renders in about a second; a minute leaves room for the slowest page.
timeout = 60
accesslog = "-"
# The path without its query string and no Referer: a search's query string can carry a name or
# a codice fiscale, and reads of personal data are recorded in the application's own access log
# (hash-chained), not in the web server's. The request id ties a line to that log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
