"""The library's defaults and the names of its environment variables, at the bottom
of the layers so that every module can read them."""

from __future__ import annotations

from pathlib import Path

DEFAULT_URL = "https://syftaccounting.centralus.cloudapp.azure.com"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_CONFIG_PATH = Path("~/.syftbox/accounting.json")

ENV_EMAIL = "SYFTBOX_ACCOUNTING_EMAIL"
ENV_PASSWORD = "SYFTBOX_ACCOUNTING_PASSWORD"
ENV_URL = "SYFTBOX_ACCOUNTING_URL"
ENV_KEY = "SYFTBOX_ACCOUNTING_KEY"
ENV_ALLOW_INSECURE_HTTP = "SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP"
ENV_TIMEOUT = "SYFTBOX_ACCOUNTING_TIMEOUT"
ENV_MAX_RETRIES = "SYFTBOX_ACCOUNTING_MAX_RETRIES"
ENV_LOG = "SYFTBOX_ACCOUNTING_LOG"
