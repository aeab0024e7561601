"""`campushub k8s render|images`: from campushub.yaml to a Zero to JupyterHub release;
`campushub k8s archive-project`: a deleted project's claim archived, then deleted."""

from __future__ import annotations

import shlex
from pathlib import Path

from .. import config as site_config
from .main import CommandError


def register(sub) -> None:
    p = sub.add_parser("k8s", help="deploy to Kubernetes with the Zero to JupyterHub chart (see docs/kubernetes.md)")
    actions = p.add_subparsers(dest="k8s_command", required=True, metavar="ACTION")
    render = actions.add_parser("render", help="write the chart values, extra objects, image Dockerfiles and a "
                                "README with the install commands")
    render.add_argument("--config", metavar="FILE", required=True, help="site configuration file")
    render.add_argument("--out", metavar="DIR", required=True, help="folder to write into (created if missing)")
    render.set_defaults(func=_render)
    images = actions.add_parser("images", help="print the commands that build and push the release's images")
    images.add_argument("--config", metavar="FILE", required=True, help="site configuration file")
    images.add_argument("--out", metavar="DIR", default=".",
                        help="folder `k8s render` wrote the build contexts into (default: the current one)")
    images.set_defaults(func=_images)
    archive = actions.add_parser("archive-project", help="archive a deleted project's volume claim "
                                 "(project-NAME) with the retention Jobs, verify it, then delete the claim")
    archive.add_argument("name", metavar="NAME", help="the project's name")
    archive.add_argument("--config", metavar="FILE", required=True, help="site configuration file")
    archive.add_argument("--data-dir", metavar="DIR", help="where the retention audit log is kept "
                         "(default: the configuration's data_dir, as for `campushub retention`)")
    archive.add_argument("--yes", action="store_true", help="really do it: the claim is deleted once verified")
    archive.set_defaults(func=_archive_project)


def _render(args) -> int:
    from ..deploy.kubernetes.render import output  # the renderer pulls in the hub layer: only for this command

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: exists and is not a folder; give a folder to write the release into.")
    from ..help import HelpBuildError

    config = site_config.load(args.config)
    try:
        written, notes = output.write(config, out)
    except OSError as e:
        raise CommandError(f"--out {out}: cannot write {e.filename or out}: {e.strerror}.") from None
    except HelpBuildError as e:  # the help portal's pages, one line each naming file and line
        raise CommandError("\n".join([*e.lines, f"the help portal did not build; nothing was written to {out}"])) \
            from None
    for path in written:
        print(f"wrote {path}")
    for note in notes:
        print(f"note: {note}")
    print(f"Next: follow {out / 'README.md'}")
    return 0


def _images(args) -> int:
    from ..deploy.kubernetes.render import images

    config = site_config.load(args.config)
    builds = images.builds(config)
    for build in builds:
        print(f"{build.ref}  (context: {Path(args.out) / build.context})")
    print()
    if not all((Path(args.out) / build.context).is_dir() for build in builds):
        print("# the build contexts are written by: "
              + shlex.join(["campushub", "k8s", "render", "--config", args.config, "--out", args.out]))
    for line in images.build_commands(config, args.out):
        print(line)
    return 0


def _archive_project(args) -> int:
    from ..deploy.kubernetes import project_archive  # its client is the kubernetes extra's
    from ..retention.audit import AuditLog, audit_path
    from ..retention.backend import RetentionError

    config = site_config.load(args.config)
    if not args.yes:
        raise CommandError(f"this archives claim project-{args.name} and then deletes it: run again with --yes", 2)
    audit = AuditLog(audit_path(args.data_dir or config["data_dir"]))
    try:
        done = project_archive.run(config, args.name, audit)
    except (RetentionError, ValueError) as e:  # ConfigError is a ValueError: one line either way
        raise CommandError(f"project {args.name}: {e}") from None
    print(f"archived {done['files']} files ({done['bytes']} bytes) of {done['claim']} to {done['archive']} "
          "in the retention archive volume, verified, and deleted the claim")
    if done.get("note"):
        print(f"Note: {done['note']}")  # e.g. a pod that began using the claim during the delete
    print(f"Audit log: {audit.path} (`campushub retention log`)")
    return 0
