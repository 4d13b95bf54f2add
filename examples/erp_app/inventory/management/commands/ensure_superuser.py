"""Create the first superuser from the environment, once: the release playbook may run this on every deploy.

DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD (the names Django's own
``createsuperuser --noinput`` reads). An existing user of that name is left exactly as it is (its password may have
been changed since); the password is never printed.
"""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction


class Command(BaseCommand):
    help = "Create the superuser named by DJANGO_SUPERUSER_USERNAME unless a user has that name (idempotent)."

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        secret = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not username:
            raise CommandError("DJANGO_SUPERUSER_USERNAME is not set")
        user_model = get_user_model()
        lookup = {user_model.USERNAME_FIELD: username}
        existing = user_model._default_manager.filter(**lookup).first()
        if existing is not None:
            self._exists(username, existing)
            return
        if not secret:
            raise CommandError("DJANGO_SUPERUSER_PASSWORD is not set")
        try:
            validate_password(secret, user=user_model(**lookup, email=email))
        except ValidationError as exc:
            raise CommandError("DJANGO_SUPERUSER_PASSWORD is rejected by the password validators: " + " ".join(exc.messages)) from None
        try:
            with transaction.atomic():
                user_model._default_manager.create_superuser(**lookup, email=email, password=secret)
        except IntegrityError:
            # Created meanwhile by a concurrent run: that one reported "created".
            self._exists(username, user_model._default_manager.get(**lookup))
            return
        self.stdout.write(f"superuser {username}: created")

    def _exists(self, username, user):
        note = "" if user.is_superuser else " (that user is not a superuser)"
        self.stdout.write(f"superuser {username}: exists, unchanged{note}")
