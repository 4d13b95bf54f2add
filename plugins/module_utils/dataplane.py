# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An azure-core pipeline for a data plane (Kudu, Key Vault, the Log Analytics query API): the module's own Entra
credential with another token audience, and the same proxy and TLS trust as Resource Manager (``HTTPS_PROXY``,
``REQUESTS_CA_BUNDLE``).  Resource Manager's ``ArmClient`` stays ARM-only (provider registration, ARM's challenge
policy); each data plane picks its retry policy, because what is safe to repeat differs from one API to the next."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.erpops.azure.plugins.module_utils.arm import USER_AGENT
from ansible_collections.erpops.azure.plugins.module_utils.auth import bearer_policy


def pipeline_client(base_url, credential, scope, retry_policy, decode_and_redirect=False, http_logging=False, streaming=False):
    """A ``PipelineClient`` on ``base_url`` whose requests carry a bearer token for ``scope``.

    ``retry_policy``: an azure-core ``RetryPolicy`` (its methods and counts are the caller's decision);
    ``decode_and_redirect``: add ``ContentDecodePolicy`` and ``RedirectPolicy`` before the retries;
    ``http_logging``: add azure-core's network-trace and HTTP logging policies (off unless the ``azure`` loggers are
    configured; ``Authorization`` is redacted by them); ``streaming``: bodies are streamed from files or answers read in
    chunks (blobs, Kudu packages), which azure-core's requests transport does; otherwise the light ``http.client`` one
    (module_utils/transport.py) carries the small JSON requests."""
    from azure.core import PipelineClient
    from azure.core.pipeline import policies

    chain = [policies.RequestIdPolicy(), policies.HeadersPolicy(), policies.UserAgentPolicy(sdk_moniker=USER_AGENT), policies.ProxyPolicy()]
    if decode_and_redirect:
        chain += [policies.ContentDecodePolicy(), policies.RedirectPolicy()]
    chain += [retry_policy, bearer_policy(credential, scope)]
    if http_logging:
        chain += [policies.NetworkTraceLoggingPolicy(), policies.HttpLoggingPolicy()]
    from ansible_collections.erpops.azure.plugins.module_utils.transport import transport_from_environment

    return PipelineClient(base_url=base_url, policies=chain, transport=transport_from_environment(streaming=streaming))


def retry_policy(methods, **kwargs):
    """azure-core's ``RetryPolicy`` (408, 429, 5xx, dropped connections, ``Retry-After``) for the HTTP ``methods`` given
    only: its constructor ignores ``retry_on_methods`` (it is read per request), so the default list is set here."""
    from azure.core.pipeline import policies

    allowed = frozenset(m.upper() for m in methods)

    class MethodRetryPolicy(policies.RetryPolicy):
        def __init__(self, **kw):
            super(MethodRetryPolicy, self).__init__(**kw)
            self._method_whitelist = allowed

    return MethodRetryPolicy(**kwargs)
