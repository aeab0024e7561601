"""The text of the Dockerfiles render/images.py writes.

User images run as jovyan (uid 1000, group users, home /home/jovyan), as
Zero to JupyterHub's singleuser defaults and storage.py's home claim expect;
the environment belongs to root, read-only for the learner as a local
site's shared venv is.
"""

from __future__ import annotations

from ....singleuser.files import EXECUTABLE

ENV_PREFIX = "/opt/campushub/env"
NB_USER, NB_UID, NB_GID = "jovyan", 1000, 100
_PIP = "--disable-pip-version-check --no-input"


def user_dockerfile(base: str, environment: str, version: str, lock: str, files_dir: str,
                    site_packages: str, hashes: bool) -> str:
    py = f"{ENV_PREFIX}/bin/python"
    require_hashes = " --require-hashes" if hashes else ""
    return f"""\
# syntax=docker/dockerfile:1
# CampusHub user image: environment {environment}, version {version}, from the
# lock file its local venv is built from. Written by `campushub k8s render`.
FROM {base}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# Debian 12's python3 (3.11) is the interpreter the locks pin for, as on a
# local site; git is nbgitpuller's (course sync), tini reaps orphans.
RUN apt-get update \\
 && apt-get install -y --no-install-recommends python3 python3-venv git tini ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid {NB_UID} --gid {NB_GID} --shell /bin/bash {NB_USER}
COPY {lock} /tmp/{lock}
# As the local build does: exactly the lock, nothing it leaves out, then a check.
RUN python3 -m venv {ENV_PREFIX} \\
 && {py} -m pip {_PIP} install --no-cache-dir --no-deps{require_hashes} --progress-bar=off -r /tmp/{lock} \\
 && {py} -m pip {_PIP} check \\
 && if [ -d {ENV_PREFIX}/share/jupyter/kernels/python3 ]; then \\
      {py} -m ipykernel install --prefix {ENV_PREFIX}; fi \\
 && mv /tmp/{lock} {ENV_PREFIX}/campushub-environment.lock
COPY {files_dir}/ /tmp/{files_dir}/
# CampusHub's files, {site_packages}/ into the environment's own site-packages.
RUN site=$({py} -c 'import sysconfig; print(sysconfig.get_path("purelib"))') \\
 && cp -R /tmp/{files_dir}/{site_packages}/. "$site"/ \\
 && rm -r /tmp/{files_dir}/{site_packages} \\
 && cp -R /tmp/{files_dir}/. {ENV_PREFIX}/ \\
 && rm -r /tmp/{files_dir} \\
 && chmod -R a+rX,go-w {ENV_PREFIX} \\
 && chmod 755 {" ".join(f"{ENV_PREFIX}/{path}" for path in EXECUTABLE)}
ENV PATH={ENV_PREFIX}/bin:$PATH
USER {NB_UID}:{NB_GID}
WORKDIR /home/{NB_USER}
ENTRYPOINT ["tini", "-g", "--"]
CMD ["jupyterhub-singleuser"]
"""


def hub_dockerfile(base: str, lock: str, build_lock: str, version: str) -> str:
    return f"""\
# syntax=docker/dockerfile:1
# CampusHub hub image: the Zero to JupyterHub chart's hub image with CampusHub
# {version} and what it adds ({lock}). Written by `campushub k8s render`.
FROM {base} AS wheel
USER root
COPY {build_lock} /tmp/{build_lock}
COPY src/ /tmp/campushub-src/
RUN pip {_PIP} install --no-cache-dir --no-deps -r /tmp/{build_lock} \\
 && pip {_PIP} wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /tmp/wheels /tmp/campushub-src

FROM {base}
USER root
COPY {lock} /tmp/{lock}
COPY --from=wheel /tmp/wheels/ /tmp/wheels/
RUN pip {_PIP} install --no-cache-dir --no-deps -r /tmp/{lock} \\
 && pip {_PIP} install --no-cache-dir --no-deps /tmp/wheels/campushub-{version}-py3-none-any.whl \\
 && pip {_PIP} check \\
 && rm -r /tmp/wheels /tmp/{lock}
USER {NB_USER}
"""


def assignments_dockerfile(hub_ref: str, environment_ref: str) -> str:
    """The assignments service's image: the hub image (CampusHub, its service
    and their locked packages) with the default user environment copied from
    its image to grade in. Both images are Debian 12, so the environment's
    python3 is the same Debian package here as there."""
    return f"""\
# syntax=docker/dockerfile:1
# CampusHub assignments image: the service from the hub image, submissions
# graded in the default user environment, sandboxed with bubblewrap and
# setpriv. Written by `campushub k8s render`.
FROM {environment_ref} AS environment

FROM {hub_ref}
USER root
RUN apt-get update \\
 && apt-get install -y --no-install-recommends python3 python3-venv bubblewrap util-linux \\
 && rm -rf /var/lib/apt/lists/*
COPY --from=environment {ENV_PREFIX}/ {ENV_PREFIX}/
ENV CAMPUSHUB_GRADING_PYTHON={ENV_PREFIX}/bin/python
# root: the sandbox (bubblewrap without a user namespace) makes its
# namespaces and cgroups as root, then drops each kernel to nobody
USER 0
"""


def help_dockerfile(hub_ref: str, site: str, target: str) -> str:
    """The help service's image: the hub image (CampusHub and its help
    service) with the portal `campushub k8s render` built beside this file."""
    return f"""\
# syntax=docker/dockerfile:1
# CampusHub help image: the help portal (the shipped guides and the
# organisation's pages of help.pages_dir, built with MkDocs when the release
# was rendered) served by the hub image's help service. A changed page is a
# new render and a new image. Written by `campushub k8s render`.
FROM {hub_ref}
COPY {site}/ {target}/
USER {NB_USER}
"""
