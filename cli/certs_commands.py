"""`reflect certs dev`: a self-signed certificate for trying TLS locally (never for production)."""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

from server.config import Settings


def register(sub: Any) -> None:
    """Add the certs command group."""
    parser: argparse.ArgumentParser = sub.add_parser("certs", help="TLS certificates")
    certs = parser.add_subparsers(dest="certs_command", required=True)
    dev = certs.add_parser("dev", help="write a self-signed development certificate")
    dev.add_argument("--out", type=Path, default=None, help="directory (default: <data_dir>/tls)")
    dev.add_argument(
        "--host", action="append", default=None, help="host name or IP (repeatable)"
    )
    dev.add_argument("--days", type=int, default=30)
    dev.set_defaults(handler=run_dev)


def write_dev_certificate(out_dir: Path, hosts: list[str], days: int) -> tuple[Path, Path]:
    """Create cert.pem and key.pem (0600) for the given host names / IP addresses."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out_dir / "cert.pem", out_dir / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    # The key file is created private from the start, not chmod-ed afterwards.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


def run_dev(args: argparse.Namespace, settings: Settings) -> int:
    """Write the certificate and say how to use it."""
    hosts = args.host or ["localhost", "127.0.0.1", "::1"]
    out = args.out or settings.data_dir / "tls"
    cert_path, key_path = write_dev_certificate(out, hosts, args.days)
    print(f"certificate: {cert_path}\nkey:         {key_path}")
    print(
        f"serve with: reflect serve --certfile {cert_path} --keyfile {key_path}\n"
        "This certificate is self-signed: browsers will warn. Use a real one in a clinic.",
        file=sys.stderr,
    )
    return 0
