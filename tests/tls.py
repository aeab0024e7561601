"""A self-signed certificate for HTTPS tests (openssl, as any admin would make one)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_cert(directory: Path, dns: list[str], ips: list[str] = ("127.0.0.1",)) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    san = ",".join([*(f"DNS:{d}" for d in dns), *(f"IP:{i}" for i in ips)])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={dns[0]}", "-addext", f"subjectAltName={san}",
         "-addext", "basicConstraints=critical,CA:TRUE", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    key.chmod(0o600)
    return cert, key
