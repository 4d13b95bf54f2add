import os
import secrets
from io import StringIO
from unittest import mock

from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings


def _run(**env):
    out = StringIO()
    with mock.patch.dict(os.environ, env, clear=False):
        call_command("ensure_superuser", stdout=out)
    return out.getvalue()


# The cheapest hasher: production's PBKDF2 costs about a second per password on a busy CI machine.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class EnsureSuperuserTests(TestCase):
    def setUp(self):
        self.secret = secrets.token_urlsafe(18)
        self.env = {"DJANGO_SUPERUSER_USERNAME": "erpadmin", "DJANGO_SUPERUSER_EMAIL": "ops@example.com", "DJANGO_SUPERUSER_PASSWORD": self.secret}

    def test_creates_once_then_leaves_the_user_alone(self):
        first = _run(**self.env)
        self.assertEqual(first.strip(), "superuser erpadmin: created")
        user = User.objects.get(username="erpadmin")
        self.assertTrue(user.is_superuser and user.is_staff and user.check_password(self.secret))
        self.assertEqual(user.email, "ops@example.com")

        # A later deploy with another password in the environment changes nothing.
        second = _run(**{**self.env, "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(18)})
        self.assertEqual(second.strip(), "superuser erpadmin: exists, unchanged")
        user.refresh_from_db()
        self.assertTrue(user.check_password(self.secret))
        self.assertEqual(User.objects.count(), 1)
        self.assertNotIn(self.secret, first + second)

    def test_existing_ordinary_user_is_reported_not_promoted(self):
        User.objects.create_user("erpadmin")
        self.assertIn("exists, unchanged (that user is not a superuser)", _run(**self.env))
        self.assertFalse(User.objects.get(username="erpadmin").is_superuser)

    def test_missing_or_weak_settings_fail_without_echoing_the_password(self):
        with self.assertRaisesMessage(CommandError, "DJANGO_SUPERUSER_USERNAME is not set"):
            _run(**{**self.env, "DJANGO_SUPERUSER_USERNAME": ""})
        with self.assertRaisesMessage(CommandError, "DJANGO_SUPERUSER_PASSWORD is not set"):
            _run(**{**self.env, "DJANGO_SUPERUSER_PASSWORD": ""})
        with self.assertRaises(CommandError) as caught:
            _run(**{**self.env, "DJANGO_SUPERUSER_PASSWORD": "erpadmin1"})
        self.assertIn("rejected by the password validators", str(caught.exception))
        self.assertNotIn("erpadmin1", str(caught.exception))
        self.assertFalse(User.objects.exists())
