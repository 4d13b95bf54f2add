"""Production settings for Azure App Service (DJANGO_SETTINGS_MODULE=erp_project.settings_production).

Everything environment-specific comes from App Service's application settings (environment variables):

  SECRET_KEY                  required
  SECRET_KEY_FALLBACKS        previous keys, a JSON list or a comma list: signatures and sessions made with them stay
                              valid (a rotation keeps the previous key here for the sessions' lifetime)
  ALLOWED_HOSTS               comma list (custom domains, <app>.azurewebsites.net); WEBSITE_HOSTNAME is added
  CSRF_TRUSTED_ORIGINS        comma list of origins; a bare host name gets https://
  DB_NAME, DB_USER, DB_PASSWORD, DB_HOST, DB_PORT (5432), DB_SSLMODE (require)
  DB_PASSWORD_FALLBACKS       during a password rotation: the password the server accepted so far, tried when it
                              refuses DB_PASSWORD (one password, or a JSON list of them; see erp_project/postgresql)
  SECURE_SSL_REDIRECT         true (default) / false; /health/ is never redirected
  SECURE_HSTS_SECONDS         0 (default: no HSTS header)
  APPLICATIONINSIGHTS_CONNECTION_STRING   optional, see erp_project.telemetry
  ERP_RELEASE                 the release the health check reports ("dev" when unset)
  DJANGO_LOG_LEVEL            INFO
"""

import json
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


def _env_secrets(name, comma_list):
    """A JSON list of strings, or else one value (``comma_list``: a comma list); empty items dropped."""
    value = os.environ.get(name, "").strip()
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} starts with [ but is not a JSON list of strings") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ImproperlyConfigured(f"{name} must be a JSON list of strings")
    else:
        items = value.split(",") if comma_list else [value]
    return [i.strip() for i in items if i.strip()]


def _origin(value):
    return value if "://" in value else "https://" + value


DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set: add it to the App Service application settings")
# Django's own generated keys never hold a comma; a database password may, hence one value or JSON for it below.
SECRET_KEY_FALLBACKS = [k for k in _env_secrets("SECRET_KEY_FALLBACKS", comma_list=True) if k != SECRET_KEY]

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS")
# App Service sets WEBSITE_HOSTNAME to the app's (or the slot's) default host name, <name>.azurewebsites.net: always
# accepted, so a slot answers on its own name without listing it.
if os.environ.get("WEBSITE_HOSTNAME") and os.environ["WEBSITE_HOSTNAME"] not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(os.environ["WEBSITE_HOSTNAME"])
CSRF_TRUSTED_ORIGINS = [_origin(item) for item in _env_list("CSRF_TRUSTED_ORIGINS")]

DATABASES = {
    "default": {
        # Django's PostgreSQL backend (psycopg 3, picked over psycopg2 when both are installed) that also tries
        # PASSWORD_FALLBACKS when the server refuses PASSWORD: a password rotation without refused connections.
        "ENGINE": "erp_project.postgresql",
        "NAME": os.environ.get("DB_NAME", "postgres"),
        "USER": os.environ.get("DB_USER", ""),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "PASSWORD_FALLBACKS": _env_secrets("DB_PASSWORD_FALLBACKS", comma_list=False),
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
