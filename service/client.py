"""The case systems' import path for client-side pseudonymisation (docs/integration.md);
the helper lives in `service/cli/client.py`, beside the commands that use it."""

from service.cli.client import load_key, new_key_file, pseudonym_for

__all__ = ["load_key", "new_key_file", "pseudonym_for"]
