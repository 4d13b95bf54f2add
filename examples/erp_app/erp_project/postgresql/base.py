"""Django's PostgreSQL backend that also tries ``PASSWORD_FALLBACKS`` when the server refuses ``PASSWORD``.

A rotation of the database password changes two things that cannot change at the same instant: the password the
server accepts (Azure's ``administratorLoginPassword``) and the one the app sends (the ``DB_PASSWORD`` app setting).
The app is given the new password first, with the current one as a fallback: until the server changes, a new
connection is refused with the new password (SQLSTATE 28P01) and opened with the fallback; afterwards the new one
works at once. Connections already open are not affected by a password change (PostgreSQL checks passwords only when
a session starts). Only an authentication failure moves on to the next password: any other error (server down, TLS,
unknown database) is raised as it is, and when every password is refused the first error is raised.
"""

from django.db.backends.postgresql import base

# PostgreSQL's invalid_password and invalid_authorization_specification (Appendix A, "PostgreSQL Error Codes"). libpq
# reports a refused log-in as a connection failure, which psycopg raises without a SQLSTATE before 3.2: the server's
# message (English on Azure, whose lc_messages is en_US) is the other sign.
AUTH_SQLSTATES = ("28P01", "28000")
AUTH_MESSAGES = ("password authentication failed", "authentication failed for user")


def authentication_failed(exc):
    return getattr(exc, "sqlstate", None) in AUTH_SQLSTATES or any(m in str(exc) for m in AUTH_MESSAGES)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        try:
            return super().get_new_connection(conn_params)
        except self.Database.OperationalError as first:
            fallbacks = [p for p in self.settings_dict.get("PASSWORD_FALLBACKS") or [] if p and p != conn_params.get("password")]
            if not fallbacks or not authentication_failed(first):
                raise
            for password in fallbacks:
                try:
                    return super().get_new_connection({**conn_params, "password": password})
                except self.Database.OperationalError as exc:
                    if not authentication_failed(exc):
                        raise
            raise first from None
