"""gunicorn settings of a production node.

    EXCHANGE_HOME=/srv/exchange gunicorn -c deploy/gunicorn.conf.py exchange.wsgi:app

Settings come from the node's EXCHANGE_* variables (and <EXCHANGE_HOME>/exchange.env). Each web
worker builds its own database engine after the fork (no preload), and jobs go to rq; run
`exchange worker` processes beside it. TLS is terminated in front of gunicorn (see
docs/operations.md); the node signs and checks every federation request itself regardless.
"""

import os

from exchange.config import ENV_FILE, Settings, read_env_file

_settings = Settings.from_env()
# Process variables win over the node's exchange.env, as for every other setting.
_env = {**read_env_file(_settings.home / ENV_FILE), **os.environ}

bind = _settings.bind
# The embedded mode keeps SQLite and the in-process dispatcher in one process.
workers = 1 if _settings.embedded else int(_env.get("EXCHANGE_WEB_WORKERS", "2"))
threads = int(_env.get("EXCHANGE_WEB_THREADS", "8"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
preload_app = False
proc_name = f"exchange-web-{_settings.node_id}"
# Requests are at most EXCHANGE_MAX_REQUEST_BYTES (checked by the app); keep header limits tight.
limit_request_line = 8190
limit_request_fields = 64
limit_request_field_size = 16384
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = _settings.log_level.lower()
# Several nodes may share a host in tests; a shared default control socket would collide.
control_socket_disable = True
