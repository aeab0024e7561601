"""A real OpenID Connect provider for tests: oidc-provider-mock over HTTP on a free port.

It runs in its own process (as a deployment's provider would), requires
clients to register, so the hub's client secret and redirect URI are really
checked, and keeps users' claims in memory, set through its HTTP API.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import requests

from .harness import free_port, wait_for


class OIDCProvider:
    def __init__(self, port: int, proc: subprocess.Popen, log: Path):
        self.port, self.proc, self.log = port, proc, log
        self.url = f"http://127.0.0.1:{port}"
        self.authorize_url = self.token_url = self.userinfo_url = ""

    @classmethod
    def start(cls, workdir: Path, timeout: float = 60) -> OIDCProvider:
        port = free_port()
        log = workdir / "oidc-provider.log"
        args = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
                "--require-registration", "true"]
        # The provider refuses plain http unless told it is a test.
        env = {**os.environ, "AUTHLIB_INSECURE_TRANSPORT": "1", "NO_COLOR": "1"}
        with open(log, "w") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        provider = cls(port, proc, log)
        try:
            meta = wait_for(provider._discovery, timeout, "the OIDC provider to answer discovery")
        except BaseException:
            provider.stop()
            raise
        provider.authorize_url = meta["authorization_endpoint"]
        provider.token_url = meta["token_endpoint"]
        provider.userinfo_url = meta["userinfo_endpoint"]
        return provider

    def _discovery(self) -> dict | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"oidc-provider-mock exited {self.proc.returncode}:\n{self.log.read_text()}")
        r = requests.get(f"{self.url}/.well-known/openid-configuration", timeout=5)
        return r.json() if r.status_code == 200 else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """Dynamic client registration (RFC 7591); returns (client_id, client_secret)."""
        r = requests.post(f"{self.url}/oauth2/clients", timeout=10,
                          json={"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_basic"})
        assert r.status_code == 201, r.text
        body = r.json()
        return body["client_id"], body["client_secret"]

    def set_user(self, sub: str, claims: dict) -> None:
        """Create or replace the user `sub`; the next login releases these claims."""
        r = requests.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims, timeout=10)
        assert r.status_code == 204, r.text

    def authorize(self, session: requests.Session, authorize_url: str, sub: str) -> str:
        """Sign in as `sub` on the provider's page; returns where it sends the browser back to."""
        r = session.get(authorize_url, timeout=10)
        assert r.status_code == 200 and 'name="sub"' in r.text, f"no authorization form: {r.status_code} {r.text[:300]}"
        # The form has no action: the browser posts it back to the same address.
        r = session.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert r.status_code == 302, f"provider did not redirect back: {r.status_code} {r.text[:300]}"
        return r.headers["Location"]
