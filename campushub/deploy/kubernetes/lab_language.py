"""JupyterLab in the person's language on Kubernetes, with nothing added to
the image: the default for JupyterLab's "locale" setting rides on a pod
annotation, a downward-API volume shows it to the server as
labconfig/default_setting_overrides.json, and JUPYTER_CONFIG_PATH points
jupyterlab_server there. Only a default: a language the person picks in
JupyterLab's own settings still wins. English needs nothing."""

from __future__ import annotations

import json

from kubernetes_asyncio.client import models as k8s

from ...i18n import lab_default_settings

ANNOTATION = "campushub/lab-default-settings"
VOLUME = "campushub-lab-language"
MOUNT = "/etc/campushub/lab-language"
FILE = "labconfig/default_setting_overrides.json"


def add_lab_language(pod: k8s.V1Pod, locale: str | None) -> k8s.V1Pod:
    if not locale:
        return pod
    pod.metadata.annotations = {**(pod.metadata.annotations or {}),
                                ANNOTATION: json.dumps(lab_default_settings(locale))}
    source = k8s.V1DownwardAPIVolumeSource(items=[k8s.V1DownwardAPIVolumeFile(
        path=FILE, field_ref=k8s.V1ObjectFieldSelector(field_path=f"metadata.annotations['{ANNOTATION}']"))])
    pod.spec.volumes = [v for v in pod.spec.volumes or [] if v.name != VOLUME] + [
        k8s.V1Volume(name=VOLUME, downward_api=source)]
    server = pod.spec.containers[0]
    server.volume_mounts = [m for m in server.volume_mounts or [] if m.name != VOLUME] + [
        k8s.V1VolumeMount(name=VOLUME, mount_path=MOUNT, read_only=True)]
    env = server.env or []
    current = next((e.value for e in env if e.name == "JUPYTER_CONFIG_PATH"), None)
    path = ":".join(p for p in (MOUNT, current) if p)
    server.env = [e for e in env if e.name != "JUPYTER_CONFIG_PATH"] + [
        k8s.V1EnvVar(name="JUPYTER_CONFIG_PATH", value=path)]
    return pod
