"""WSGI entry point for gunicorn (startup.sh: ``erp_project.wsgi:application``).

Defaults to the production settings: gunicorn only runs on App Service (or to try the production setup locally).
This is ``django.core.wsgi.get_wsgi_application()`` with one step in between: telemetry is set up after Django has
read its settings and logging, and before the handler loads the middleware (which OpenTelemetry instruments).
"""

import os

import django
from django.core.handlers.wsgi import WSGIHandler

from erp_project import telemetry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp_project.settings_production")

django.setup(set_prefix=False)
telemetry.configure()
application = WSGIHandler()
