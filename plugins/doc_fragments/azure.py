# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - Where the credentials come from.
      - V(auto) uses O(client_id), O(secret) and O(tenant) (options or environment) when all three are set, then
        workload identity when E(AZURE_FEDERATED_TOKEN_FILE) is set with O(client_id) and O(tenant), then the
        C(~/.azure/credentials) file, then a managed identity when E(IDENTITY_ENDPOINT) or E(MSI_ENDPOINT) is set,
        and finally the Azure CLI's signed-in account.
      - V(env) is a service principal with a client secret (options or environment variables).
      - V(credential_file) reads the O(profile) section of C(~/.azure/credentials) (keys C(subscription_id),
        C(client_id), C(secret), C(tenant), optional C(cloud_environment)), like azure.azcollection.
      - Defaults to the environment variable E(ANSIBLE_AZURE_AUTH_SOURCE).
    type: str
    default: auto
    choices: [auto, env, credential_file, cli, msi, workload_identity]
  subscription_id:
    description:
      - The subscription to work in.
      - Defaults to the environment variable E(AZURE_SUBSCRIPTION_ID).
    type: str
  client_id:
    description:
      - Application (client) ID of the service principal, or of the user-assigned identity with O(auth_source=msi).
      - Defaults to the environment variable E(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - Client secret of the service principal. Never logged.
      - Defaults to the environment variable E(AZURE_SECRET) or E(AZURE_CLIENT_SECRET).
    type: str
  tenant:
    description:
      - Microsoft Entra tenant ID.
      - Defaults to the environment variable E(AZURE_TENANT) or E(AZURE_TENANT_ID).
    type: str
  profile:
    description:
      - Section of C(~/.azure/credentials) to use; C(default) when unset.
      - Defaults to the environment variable E(AZURE_PROFILE).
    type: str
  cloud_environment:
    description:
      - The Azure cloud whose Resource Manager and Entra ID endpoints are used.
      - Defaults to the environment variable E(AZURE_CLOUD_ENVIRONMENT).
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureChinaCloud, AzureUSGovernment]
  arm_endpoint:
    description:
      - A custom Resource Manager endpoint (for example azsim's direct endpoint), overriding O(cloud_environment)'s.
      - Tokens are requested for C(<arm_endpoint>/.default).
      - Defaults to the environment variable E(AZURE_ARM_ENDPOINT).
    type: str
  authority_host:
    description:
      - A custom Entra ID authority host. Instance discovery is turned off for hosts Microsoft does not know.
      - Defaults to the environment variable E(AZURE_AUTHORITY_HOST).
    type: str
  token_cache:
    description:
      - Share access tokens between the tasks of a run, so that a playbook asks Entra ID for one token per principal and
        audience instead of one per task.
      - Each token is kept in an owner-only file (mode C(0600)) of an owner-only directory (mode C(0700)) in the
        controller's temporary directory, C($TMPDIR/erpops-azure-tokens-<uid>/) (C(/tmp) without E(TMPDIR)). The file
        is named by a hash of the authority, tenant, client ID, a hash of the secret (never the secret) or the
        credential source, and the scope. Tokens never appear in module output.
      - A cached token is used only while it has more than five minutes left. A token the service refuses with HTTP
        401 (revoked, or the secret rotated) is dropped and the request is sent once more with a new token.
      - Every credential source is cached; the Azure CLI's only while it is signed in, and per signed-in account
        (a new C(az login) or C(az account set) starts a new entry).
      - V(false) asks Entra ID for a token in every task, as azure-identity alone does.
      - Defaults to the environment variable E(ANSIBLE_AZURE_TOKEN_CACHE) (C(off) or C(false) turns the cache off).
    type: bool
    default: true
requirements:
  - python >= 3.8
  - azure-identity >= 1.25.0
  - azure-mgmt-core >= 1.6.0
notes:
  - Modules talk to Resource Manager's REST API through the official SDK pipeline (azure-core, azure-mgmt-core,
    azure-identity); they import no service SDK, so a task costs a fraction of a second of imports.
  - Throttled (429) and busy (409) answers are retried with the service's C(Retry-After) (or Cost Management's own
    C(x-ms-ratelimit-microsoft.costmanagement-*-retry-after) headers), a bounded number of times, including PATCH and safe
    POST calls that azure-core does not retry by itself.
  - HTTPS proxies and private CAs follow the environment (E(HTTPS_PROXY), E(REQUESTS_CA_BUNDLE)).
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait for long-running operations to finish.
      - With V(false) the module returns as soon as Azure accepted the change, with an RV(operation) handle to pass
        to M(erpops.azure.operation_wait), so a playbook can start slow resources early and wait for them late.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for a long-running operation before failing (the operation keeps running in Azure).
    type: int
    default: 1800
"""
