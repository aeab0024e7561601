"""A kubeconfig that names no reachable cluster, for building pods offline."""

from __future__ import annotations

import functools

import kubernetes_asyncio.config.kube_config
import kubernetes_validate.utils
import pytest

# KubeSpawner loads a kubeconfig as soon as it is constructed, even with
# _mock=True, and fails without one. Port 1 refuses at once, so a call that
# should never happen fails fast instead of hanging.
DUMMY_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster: {server: "https://127.0.0.1:1", certificate-authority: CA_FILE}
users:
- name: offline
  user: {token: not-a-real-token}
contexts:
- name: offline
  context: {cluster: offline, user: offline, namespace: campushub}
current-context: offline
"""

# kubernetes-validate reads and parses its schema files (the definitions
# alone are 1.1 MB of JSON) on every validate() call: 30 ms a manifest, times
# two Kubernetes versions, for hundreds of manifests. The files never change
# while tests run and jsonschema only reads them, so parse each once; its own
# validate() still does everything else, unchanged.
kubernetes_validate.utils.schema_contents = functools.cache(kubernetes_validate.utils.schema_contents)


@pytest.fixture(scope="session")
def offline_ca(tmp_path_factory):
    """A cluster CA of the offline cluster's own, as a real kubeconfig names one.

    Without it every KubeSpawner's API client loaded the machine's whole CA
    bundle (ssl.create_default_context: ~25 ms each, for hundreds of spawners);
    with a CA file it loads just that one."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())  # kept nowhere: it signs this certificate only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "offline-cluster-ca")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path = tmp_path_factory.mktemp("offline-ca") / "ca.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture
def dummy_kubeconfig(tmp_path, monkeypatch, offline_ca):
    path = tmp_path / "kubeconfig"
    path.write_text(DUMMY_KUBECONFIG.replace("CA_FILE", str(offline_ca)))
    monkeypatch.setenv("KUBECONFIG", str(path))
    # The client reads KUBECONFIG once, when it is first imported; by now it
    # has been, so its copy is what load_kube_config() actually uses.
    monkeypatch.setattr(kubernetes_asyncio.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    return path
