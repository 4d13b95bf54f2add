"""Django's PostgreSQL backend, with fallback passwords for a password rotation (see base.py)."""
