# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:

    # The site options web_app and web_app_slot share (siteConfig, HTTPS, identity, settings, publishing policies).
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Accepted for playbooks that pass it to every module; a new app or slot is awaited anyway (its basic publishing
        credentials policies can only be written once it exists, and creation takes seconds).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the creation before failing.
    type: int
    default: 1800
  linux_fx_version:
    description: Runtime stack of a Linux app, C(RUNTIME|VERSION) (C(PYTHON|3.11), C(NODE|20-lts), C(DOCKER|image:tag)). Needs a Linux plan.
    type: str
  app_command_line:
    description: Startup command (C(appCommandLine)), for example the gunicorn line of a Django app.
    type: str
  always_on:
    description: Keep the app loaded when idle. Basic tier and above.
    type: bool
  ftps_state:
    description: FTP/FTPS access to the content.
    type: str
    choices: [AllAllowed, FtpsOnly, Disabled]
  min_tls_version:
    description: Lowest TLS version the app accepts.
    type: str
    choices: ['1.0', '1.1', '1.2', '1.3']
  http20_enabled:
    description: Serve HTTP/2.
    type: bool
  health_check_path:
    description: Path App Service probes on each instance (starting with C(/)), for example C(/health/).
    type: str
  https_only:
    description: Redirect HTTP to HTTPS.
    type: bool
  client_affinity_enabled:
    description: ARR affinity cookie (sticky sessions).
    type: bool
  identity:
    description: The app's managed identity. User-assigned identities already on the app are kept.
    type: dict
    suboptions:
      system_assigned:
        description: Whether the app has a system-assigned identity (needed for Key Vault references without a user-assigned identity).
        type: bool
        required: true
  tags:
    description: Tags of the web app.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  app_settings:
    description:
      - App settings (environment variables of the app) whose values may be shown, name to value. Values are strings;
        numbers are sent as their text and booleans as C(true)/C(false) (quote a value to send another spelling, such as C("True")).
      - Results and diffs show these values. Put passwords, keys and connection strings in O(secret_app_settings) instead.
      - Key Vault references (C(@Microsoft.KeyVault(SecretUri=...))) are ordinary values, sent and compared untouched; a
        reference is not a secret (the app's identity resolves it), so it may go here or in O(secret_app_settings).
    type: dict
  secret_app_settings:
    description:
      - App settings whose values are secret (C(no_log)), name to value, such as a Django C(SECRET_KEY) or a database password.
        They are written with O(app_settings), in the same request, as one list of settings.
      - Results and diffs show their names with masked values, and a value that changes is marked C(******** (changed)) in the diff.
      - A name may not be in both O(app_settings) and O(secret_app_settings); the module refuses it before any request.
      - Ansible masks every value of a C(no_log) option wherever it appears in the task output, so a short value such as
        C(5432) or C(true) would also mask that text in unrelated output of the task; keep such values in O(app_settings).
      - Settings that are neither in O(app_settings) nor here (added by other tools, such as Application Insights' agent) are
        masked too, as the module cannot tell whether they are secret.
    type: dict
  purge_app_settings:
    description:
      - Remove app settings listed neither in O(app_settings) nor in O(secret_app_settings).
      - Defaults to V(false) because other tools add settings of their own (Application Insights'
        C(APPLICATIONINSIGHTS_CONNECTION_STRING), deployment center's C(SCM_DO_BUILD_DURING_DEPLOYMENT)); with V(false) the
        listed settings are added or updated and the others kept.
    type: bool
    default: false
  connection_strings:
    description:
      - Connection strings of the app (C(config/connectionstrings)).
      - Only the values are secret (C(no_log)); results and diffs show names and types with masked values.
      - When unset, the connection strings are left alone and not read (no C(config/connectionstrings/list) request); the
        result's C(connection_strings) is then C(null) and the diff has no C(connectionStrings).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the connection string (the app reads it as C(<TYPE>CONNSTR_<name>)).
        type: str
        required: true
      value:
        description: The connection string. Key Vault references are sent and compared untouched.
        type: str
        required: true
      type:
        description: Database type.
        type: str
        default: Custom
        choices: [MySql, SQLServer, SQLAzure, Custom, NotificationHub, ServiceBus, EventHub, ApiHub, DocDb, RedisCache, PostgreSQL]
  purge_connection_strings:
    description: Remove connection strings not listed in O(connection_strings).
    type: bool
    default: false
  basic_publishing_auth:
    description:
      - Basic (user name and password) authentication of the SCM (Kudu, Web Deploy) and FTP publishing endpoints.
        Microsoft Entra authentication keeps working when it is off.
      - A new app is created with both B(disabled) unless this option says otherwise (like the portal's secure default).
        On an existing app, an unset value is left alone.
    type: dict
    suboptions:
      scm:
        description: Allow basic authentication on the SCM / Web Deploy endpoint.
        type: bool
      ftp:
        description: Allow basic authentication on FTP/FTPS.
        type: bool
"""
