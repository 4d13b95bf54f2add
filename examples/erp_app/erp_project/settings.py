"""Development settings of the sample ERP: SQLite next to manage.py, DEBUG on, no HTTPS.

App Service runs ``erp_project.settings_production`` (DJANGO_SETTINGS_MODULE), which starts from these settings and
reads everything environment-specific from the environment. See README.md.
"""

import hashlib
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Development only: a key derived from the checkout's path, stable across runserver restarts so log-ins survive a
# reload. Production refuses to start without the SECRET_KEY environment variable.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-dev-" + hashlib.sha256(str(BASE_DIR).encode()).hexdigest()

DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "inventory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise serves the collected static files (admin CSS/JS) from gunicorn: App Service has no separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "erp_project.urls"
WSGI_APPLICATION = "erp_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Django's own storages in development (runserver serves the apps' static files); production switches the static
# files to WhiteNoise's compressed, hashed storage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The release the health check reports (the release playbook sets ERP_RELEASE as an app setting).
ERP_RELEASE = os.environ.get("ERP_RELEASE") or "dev"
# Read by erp_project.telemetry; production takes it from the environment.
APPLICATIONINSIGHTS_CONNECTION_STRING = None


def logging_config(level):
    """Everything to stdout: App Service's log stream (and Application Insights) read it from there."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
        "root": {"handlers": ["stdout"], "level": level},
        # Django's own "django" logger would also print to stderr while DEBUG is on: one copy, through the root logger.
        "loggers": {"django": {"handlers": [], "level": level, "propagate": True}},
    }


LOGGING = logging_config(os.environ.get("DJANGO_LOG_LEVEL") or "INFO")
