"""Issue 17, finding 4: the Compose file trusts X-Forwarded-For from its proxy's address only."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_names_the_proxy_instead_of_trusting_everyone() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    trusted = str(compose["services"]["app"]["environment"]["FORWARDED_ALLOW_IPS"])
    default = re.fullmatch(r"\$\{UPPFOLJNING_PROXY_ADDRESS:-([^}]*)\}", trusted)
    value = default.group(1) if default else trusted
    assert "*" not in value
    (subnet,) = compose["networks"]["default"]["ipam"]["config"]
    network = ipaddress.ip_network(subnet["subnet"])
    for address in value.split(","):
        assert ipaddress.ip_network(address.strip()).subnet_of(network)  # type: ignore[arg-type]
    assert ipaddress.ip_address(subnet["gateway"]) in network
    assert value == subnet["gateway"], "the host's proxy arrives from the bridge gateway"


def test_no_document_tells_an_operator_to_trust_every_address() -> None:
    for path in (ROOT / "docs" / "operations.md", ROOT / "deploy" / "README.md"):
        text = path.read_text()
        assert 'FORWARDED_ALLOW_IPS: "*"' not in text and "Compose sets `*`" not in text
