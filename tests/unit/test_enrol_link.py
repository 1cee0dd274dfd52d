"""The enrolment address: `server.public_url` wins; else the admin's own address; loopback named."""

from __future__ import annotations

from starlette.requests import Request

from server.api.enrol_routes import enrolment_link
from server.qr import qr_data_uri


def request_for(host: str, scheme: str = "http") -> Request:
    return Request({"type": "http", "method": "POST", "path": "/api/kiosks", "root_path": "",
                    "scheme": scheme, "query_string": b"", "server": ("127.0.0.1", 8000),
                    "headers": [(b"host", host.encode())]})


def test_public_url_setting_wins_over_the_browser_address() -> None:
    link = enrolment_link(request_for("127.0.0.1:8000"), "https://reflect.clinic.lan/", "c0de")
    assert link.enrol_url == "https://reflect.clinic.lan/kiosk/#enrol=c0de"
    assert link.this_machine_only is False
    assert link.enrol_qr == qr_data_uri(link.enrol_url)


def test_the_admins_address_is_used_and_loopback_is_flagged() -> None:
    lan = enrolment_link(request_for("10.0.4.7:8443", "https"), "", "abc")
    assert lan.enrol_url == "https://10.0.4.7:8443/kiosk/#enrol=abc"
    assert not lan.this_machine_only
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        assert enrolment_link(request_for(host), "", "abc").this_machine_only, host
