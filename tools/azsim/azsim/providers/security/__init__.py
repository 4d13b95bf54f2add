"""Microsoft.Security (Microsoft Defender for Cloud), what an audit reads: Defender plans (``pricings``), the security contact,
assessments and security alerts (azure-mgmt-security 7.0.0 ``SecurityCenter``). Split by concern in ``handlers.py``
(HTTP) and ``models.py`` (plans, validation, wire shapes per api-version)."""

from .handlers import register

__all__ = ["register"]
