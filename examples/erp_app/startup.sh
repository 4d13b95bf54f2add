#!/usr/bin/env bash
# App Service startup command (Configuration > General settings > Startup Command: startup.sh).
# Only starts the web server: migrations run once per release from the release playbook (Kudu), never here, where
# every instance would run them at the same time on each start.
# PORT is set by App Service (8000 by default); GUNICORN_WORKERS is an optional app setting.
set -euo pipefail
cd "$(dirname "$0")"
exec gunicorn --bind="0.0.0.0:${PORT:-8000}" --workers "${GUNICORN_WORKERS:-4}" --timeout 120 erp_project.wsgi:application
