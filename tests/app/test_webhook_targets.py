"""Webhook targets: every notation of an internal address is refused, names are resolved once and
every answer vetted, the request is aimed at the vetted address, and stored credentials are hidden."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from app.webhooks import targets
from app.webhooks.targets import TargetRefused, check_url, pin, redact, refusal


@pytest.mark.parametrize(
    ("url", "why"),
    [
        # Raw strings, as an older row or another parser could hold them (the API's URL type
        # already rewrites some of these notations to dotted quads before they get here).
        ("http://2130706433/", "address 127.0.0.1 is loopback"),
        ("http://0x7f000001/", "address 127.0.0.1 is loopback"),
        ("http://0x7f.1/", "address 127.0.0.1 is loopback"),
        ("http://017700000001/", "address 127.0.0.1 is loopback"),
        ("http://0177.0.0.1/", "the URL cannot be parsed"),  # nor could it be sent: httpx refuses it too
        ("http://127.1/", "address 127.0.0.1 is loopback"),
        ("http://127.0.0.1./", "address 127.0.0.1 is loopback"),
        ("http://0/", "address 0.0.0.0 is unspecified"),
        ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is link-local"),
        ("http://100.100.100.200/", "address 100.100.100.200 is shared address space"),
        ("http://10.1.2.3:6379/", "address 10.1.2.3 is private"),
        ("http://224.0.0.251/", "address 224.0.0.251 is multicast"),
        ("http://240.0.0.1/", "address 240.0.0.1 is"),
        ("http://255.255.255.255/", "address 255.255.255.255 is"),
        ("http://[::1]:8080/", "address ::1 is loopback"),
        ("http://[::]/", "address :: is unspecified"),
        ("http://[::ffff:127.0.0.1]/", "is loopback (it embeds 127.0.0.1)"),
        ("http://[::ffff:a9fe:a9fe]/", "is link-local (it embeds 169.254.169.254)"),
        ("http://[2002:7f00:1::]/", "is loopback (it embeds 127.0.0.1)"),
        ("http://[64:ff9b::a00:5]/", "is private (it embeds 10.0.0.5)"),
        ("http://[::7f00:1]/", "address ::7f00:1 is"),
        ("http://[fe80::1]/", "address fe80::1 is link-local"),
        ("http://[fc00::5]/", "address fc00::5 is private"),
        ("http://[ff02::1]/", "address ff02::1 is multicast"),
        ("http://localhost/", "host localhost is a local name"),
        ("http://LocalHost./", "host localhost is a local name"),
        ("http://grafana.localhost/", "host grafana.localhost is a local name"),
        ("http://nas.local/", "host nas.local is a local name"),
        ("http://metadata.google.internal/", "host metadata.google.internal is a local name"),
        ("https://user:hunter2@crm.example.com/", "must not carry credentials"),
        ("https://hunter2@crm.example.com/", "must not carry credentials"),
        ("ftp://crm.example.com/", "scheme must be http or https"),
        ("file:///etc/passwd", "scheme must be http or https"),
        ("http:///hooks", "no host"),
    ],
)
def test_internal_and_malformed_targets_are_refused(url: str, why: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        check_url(url, allow_private=False)

    assert why in str(refused.value)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.com/hooks?x=1",
        "https://93.184.216.34/hooks",
        "http://8.8.8.8:8080/",
        "https://[2606:4700:4700::1111]/hooks",
        "https://[2002:5db8:d822::1]/",  # 6to4 of a public address
        "https://local.example.com/",
        "https://internal.example.com/",
    ],
)
def test_public_targets_pass(url: str) -> None:
    assert str(check_url(url, allow_private=False)) == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hooks", "http://[::1]/", "http://nas.local/", "http://10.0.0.5/"]
)
def test_allowing_private_targets_admits_them(url: str) -> None:
    assert str(check_url(url, allow_private=True)) == url


@pytest.mark.parametrize("url", ["https://user:pass@10.0.0.5/", "ftp://10.0.0.5/"])
def test_allowing_private_targets_still_refuses_credentials_and_other_schemes(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_url(url, allow_private=True)


def test_refusal_names_the_kind_of_address() -> None:
    assert refusal(ip_address("93.184.216.34")) is None
    assert refusal(ip_address("2606:4700:4700::1111")) is None
    assert refusal(ip_address("100.64.0.1")) == "shared address space (carrier-grade NAT)"
    assert refusal(ip_address("::ffff:10.0.0.5")) == "private (it embeds 10.0.0.5)"


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Stands in for DNS: a name resolves to the addresses listed for it; others fail to resolve."""
    table: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(-2, "Name or service not known")
        return table[host]

    monkeypatch.setattr(targets, "resolve", resolve)
    return table


def test_a_name_is_pinned_to_its_vetted_address(answers: dict[str, list[str]]) -> None:
    answers["crm.example.com"] = ["93.184.216.34", "2606:2800:220:1::1"]

    target = pin("https://crm.example.com:8443/hooks?x=1", allow_private=False)

    assert str(target.url) == "https://93.184.216.34:8443/hooks?x=1"
    assert target.headers == {"Host": "crm.example.com:8443"}
    assert target.extensions == {"sni_hostname": "crm.example.com"}


def test_an_ipv6_answer_is_bracketed_and_plain_http_needs_no_server_name(answers: dict[str, list[str]]) -> None:
    answers["crm.example.com"] = ["2606:2800:220:1::1"]

    target = pin("http://crm.example.com/hooks", allow_private=False)

    assert str(target.url) == "http://[2606:2800:220:1::1]/hooks"
    assert target.headers == {"Host": "crm.example.com"}
    assert target.extensions == {}


@pytest.mark.parametrize(
    ("addresses", "why"),
    [
        (["127.0.0.1"], "address 127.0.0.1 is loopback"),
        (["93.184.216.34", "10.0.0.5"], "address 10.0.0.5 is private"),
        (["2606:2800:220:1::1", "::ffff:169.254.169.254"], "is link-local (it embeds 169.254.169.254)"),
        ([], "host crm.example.com did not resolve"),
    ],
)
def test_a_name_with_any_internal_answer_is_refused(
    answers: dict[str, list[str]], addresses: list[str], why: str
) -> None:
    answers["crm.example.com"] = addresses

    with pytest.raises(TargetRefused) as refused:
        pin("https://crm.example.com/hooks", allow_private=False)

    assert why in str(refused.value)


def test_a_name_that_does_not_resolve_is_refused(answers: dict[str, list[str]]) -> None:
    with pytest.raises(TargetRefused, match="host nowhere.example.com did not resolve"):
        pin("https://nowhere.example.com/", allow_private=False)


def test_allowing_private_targets_still_pins_the_answer(answers: dict[str, list[str]]) -> None:
    answers["crm.corp"] = ["10.0.0.5"]

    target = pin("http://crm.corp:8080/hooks", allow_private=True)

    assert str(target.url) == "http://10.0.0.5:8080/hooks"
    assert target.headers == {"Host": "crm.corp:8080"}


def test_a_literal_address_is_not_resolved(answers: dict[str, list[str]]) -> None:
    target = pin("http://93.184.216.34/hooks", allow_private=False)

    assert str(target.url) == "http://93.184.216.34/hooks"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pass@crm.example.com/hooks", "https://crm.example.com/hooks"),
        ("https://token@crm.example.com:8443/a?b=c@d", "https://crm.example.com:8443/a?b=c@d"),
        ("https://crm.example.com/a?b=c@d", "https://crm.example.com/a?b=c@d"),
        ("https://crm.example.com/hooks", "https://crm.example.com/hooks"),
    ],
)
def test_redact_removes_credentials_only(url: str, shown: str) -> None:
    assert redact(url) == shown
