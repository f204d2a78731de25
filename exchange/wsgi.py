"""The WSGI entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py exchange.wsgi:app`.

In the embedded mode (no Redis) each web process also runs the in-process dispatcher and the
sweeper; in production the rq worker processes do that work instead.
"""

from exchange import create_app
from exchange.config import Settings

_settings = Settings.from_env()
app = create_app(_settings, background=_settings.embedded)
