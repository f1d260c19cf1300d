"""WSGI entry point (gunicorn). Served processes are production unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arbitragevault.settings")
# gunicorn is how production runs: default DEBUG off, so a missing SECRET_KEY stops it.
os.environ.setdefault("DEBUG", "false")

application = get_wsgi_application()
