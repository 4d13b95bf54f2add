"""Production settings for Azure App Service (DJANGO_SETTINGS_MODULE=erp_project.settings_production).

Everything environment-specific comes from App Service's application settings (environment variables):

  SECRET_KEY                  required
  ALLOWED_HOSTS               comma list (custom domains, <app>.azurewebsites.net); WEBSITE_HOSTNAME is added
  CSRF_TRUSTED_ORIGINS        comma list of origins; a bare host name gets https://
  DB_NAME, DB_USER, DB_PASSWORD, DB_HOST, DB_PORT (5432), DB_SSLMODE (require)
  SECURE_SSL_REDIRECT         true (default) / false; /health/ is never redirected
  SECURE_HSTS_SECONDS         0 (default: no HSTS header)
  APPLICATIONINSIGHTS_CONNECTION_STRING   optional, see erp_project.telemetry
  ERP_RELEASE                 the release the health check reports ("dev" when unset)
  DJANGO_LOG_LEVEL            INFO
"""

import os

from django.core.exceptions import ImproperlyConfigured

from . import settings as _development

# Start from every UPPERCASE setting of the development module (an explicit copy instead of a star import), then
# override what production changes.
globals().update({name: value for name, value in vars(_development).items() if name.isupper()})


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    value = value.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def _env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _origin(value):
    return value if "://" in value else "https://" + value


DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set: add it to the App Service application settings")

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS")
# App Service sets WEBSITE_HOSTNAME to the app's (or the slot's) default host name, <name>.azurewebsites.net: always
# accepted, so a slot answers on its own name without listing it.
if os.environ.get("WEBSITE_HOSTNAME") and os.environ["WEBSITE_HOSTNAME"] not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(os.environ["WEBSITE_HOSTNAME"])
CSRF_TRUSTED_ORIGINS = [_origin(item) for item in _env_list("CSRF_TRUSTED_ORIGINS")]

DATABASES = {
    "default": {
        # psycopg 3 (psycopg[binary]); Django picks it over psycopg2 when both are installed.
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "postgres"),
        "USER": os.environ.get("DB_USER", ""),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "HOST": os.environ.get("DB_HOST", ""),
        "PORT": os.environ.get("DB_PORT") or "5432",
        # Keep connections for a minute, checked before reuse (a failover or restart of the server drops them).
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # Azure Database for PostgreSQL flexible server requires TLS by default (require_secure_transport=on).
            "sslmode": os.environ.get("DB_SSLMODE") or "require",
            "connect_timeout": 10,
        },
    }
}

# App Service terminates TLS in its front ends and forwards plain HTTP with X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
# App Service's health check and warm-up requests reach the instance over plain HTTP without X-Forwarded-Proto; a
# redirect would count as a failure.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or 0)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Django 5.1 removed STATICFILES_STORAGE: the static files storage is configured through STORAGES.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = _development.BASE_DIR / "staticfiles"

APPLICATIONINSIGHTS_CONNECTION_STRING = os.environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING") or None
ERP_RELEASE = os.environ.get("ERP_RELEASE") or "dev"
LOGGING = _development.logging_config(os.environ.get("DJANGO_LOG_LEVEL") or "INFO")
