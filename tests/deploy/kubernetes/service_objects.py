"""One hub service's objects in a rendered release, for the tests of
render/hub_service.py's services (assignments, analytics)."""

from __future__ import annotations

from campushub.deploy.kubernetes.render.values import render


def service_objects(config: dict, name: str) -> dict[str, dict]:
    """kind -> the object, of the objects named after the service's Deployment."""
    return {m["kind"]: m for m in render(config).manifests if m["metadata"]["name"].startswith(name)}


def service_container(objects: dict) -> dict:
    (container,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


def env_values(container: dict) -> dict:
    """name -> value, or the valueFrom reference."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def assert_names_agree(config: dict, service: str) -> dict[str, dict]:
    """What every service's objects agree on (render/hub_service.py); returns them."""
    objects, values = service_objects(config, f"campushub-{service}"), render(config).values
    pod = objects["Deployment"]["spec"]["template"]
    selector = objects["Deployment"]["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/component"] == service
    assert selector.items() <= pod["metadata"]["labels"].items()
    assert objects["Service"]["spec"]["selector"] == selector
    assert objects["NetworkPolicy"]["spec"]["podSelector"]["matchLabels"] == selector
    (port,) = objects["Service"]["spec"]["ports"]
    assert port["port"] == 8080 == port["targetPort"] == service_container(objects)["ports"][0]["containerPort"]
    # the hub's service entry (and so the proxy's route) is the Service's address
    assert values["hub"]["services"][service]["url"] == f"http://{objects['Service']['metadata']['name']}:8080"
    # the chart's hub lets the pod in, and the pod lets in the hub, the proxy and user servers only
    assert pod["metadata"]["labels"]["hub.jupyter.org/network-access-hub"] == "true"
    (rule,) = objects["NetworkPolicy"]["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchExpressions": [
        {"key": "component", "operator": "In", "values": ["hub", "proxy", "singleuser-server"]}]}}]
    for section in (values["hub"], values["proxy"]["chp"], values["singleuser"]):
        assert {"to": [{"podSelector": {"matchLabels": selector}}],
                "ports": [{"protocol": "TCP", "port": 8080}]} in section["networkPolicy"]["egress"]
    # the token the chart makes for hub.services.<service>, from the hub's Secret
    env = env_values(service_container(objects))
    assert env["JUPYTERHUB_API_TOKEN"] == {"secretKeyRef": {"name": "hub", "key": f"hub.services.{service}.apiToken"}}
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"{config['hub']['base_url']}services/{service}/"
    assert service_container(objects)["command"] == ["python3", "-m", f"campushub.{service}.service"]
    return objects
