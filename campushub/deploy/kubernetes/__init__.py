"""Users' servers on Kubernetes (KubeSpawner, Zero to JupyterHub): a checked
Choice turned into the pod's resources, placement and image."""

from .images import image_for
from .resources import apply_choice

__all__ = ["apply_choice", "image_for"]
