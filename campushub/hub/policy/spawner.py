"""The spawner side of policies, shared by the local and Kubernetes spawners:
the translated spawn form, checking every request (form or REST
user_options) against the user's policy, and remembering the last choice.

JupyterHub saves a request's user_options before any hook can refuse them,
so a refused request would become the user's remembered "last choice"; we
put the last accepted choice back instead, and keep it in the spawner state,
which outlives stops and hub restarts.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import object_session
from tornado import web
from traitlets import Dict, Integer, default
from traitlets.config import Configurable

from ...apps import model as apps_model
from ...config import apps as apps_config
from ...i18n import negotiate, translate
from ...i18n.jinja import fixed_language
from .. import assignment_texts, help_texts, jobs_texts, start_queue
from ..apps import texts as apps_texts
from ..cull_env import culling_env
from ..remote_kernels_env import remote_kernels_env
from ..server_env import add_shared
from .app_start import app_to_start
from .choose import PolicyError, choose, from_form, named_server_limit
from .environment_list import environment_list
from .group_label import group_label
from .resolve import effective_policy
from .start_turn import turn
from .types import Choice, Policy


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=PackageLoader("campushub.hub", "templates"),
                       autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


def nothing_to_choose(policy: Policy) -> bool:
    return (policy.cpu.fixed and policy.memory.fixed and policy.gpus.max == 0
            and len(policy.environments) <= 1 and len(policy.node_pools) <= 1)


def policy_for_user(config: dict, user) -> Policy:
    return effective_policy(config, [g.name for g in user.groups])


def named_server_limit_for(config: dict):
    """JupyterHub's named_server_limit_per_user, from the requester's policy."""
    def limit(handler) -> int:
        user = handler.current_user
        if user is None:
            return 1
        if getattr(user, "kind", "user") != "user":
            # a service (automation, the CLI) starting someone's server: no count here;
            # each start still keeps the person's budgets (app_start.py)
            return 0
        # apps are named servers too: their own budget on top (app_start.py keeps the two apart)
        apps = apps_config.max_per_person(config) if apps_config.enabled(config) else 0
        return named_server_limit(policy_for_user(config, user)) + apps
    return limit


class PolicyMixin(Configurable):
    site_config = Dict(
        help="The validated campushub.yaml (campushub.config.load(path)); its policies, "
             "environments and limits decide what users may choose. Empty: no form, and the "
             "spawner's own traits (cpu_limit, mem_limit, ...) apply as configured.",
    ).tag(config=True)

    concurrent_starts = Integer(
        0, min=0,
        help="How many servers this hub process starts at the same time; further starts wait "
             "in a fair line and are told their place (hub/start_queue.py). 0: automatic "
             "(automatic_concurrent_starts).",
    ).tag(config=True)
    queue_timeout = Integer(
        3600, min=0,
        help="Most seconds a start waits in line for its turn before it fails with a plain "
             "message (0: no limit). Added to start_timeout, which then bounds the start itself.",
    ).tag(config=True)

    last_choice: dict | None = None
    _configured_start_timeout: int | None = None
    choice: Choice | None = None
    app_spec: apps_model.AppSpec | None = None  # this server runs an app (apps/model.py), kept in the state
    policy_group: str | None = None  # group_label of the policy this server started under (metrics, pod label)
    _form_language: str | None = None

    # -- what each backend adds -----------------------------------------------

    def apply_backend_choice(self, choice: Choice) -> None:
        """This backend's part of a checked choice (GPUs, the environment's
        venv or image, placement); apply_choice has set the limits already."""
        raise NotImplementedError

    def built_environments(self) -> dict[str, dict] | None:
        """What this backend found built, per environment name, in the shape
        environment_list.py documents; None when it cannot tell."""
        return None

    def automatic_concurrent_starts(self) -> int:
        """concurrent_starts when set to 0: one start per core of the hub's
        machine, for backends whose starts run on it (start_queue.automatic_slots)."""
        return start_queue.automatic_slots()

    # -- shared by both backends ----------------------------------------------

    def apply_choice(self, choice: Choice, policy: Policy) -> None:
        """Put a checked choice into effect: the limits every spawner has, then the backend's own step."""
        self.policy_group = group_label(policy)
        self.cpu_limit = choice.cpu_limit
        self.cpu_guarantee = choice.cpu_guarantee
        self.mem_limit = choice.mem_limit
        self.mem_guarantee = choice.mem_guarantee
        # Locked-down groups: nothing from the home directory changes the server.
        self.disable_user_config = not policy.user_environments
        self.apply_backend_choice(choice)

    def environment_info(self, policy: Policy) -> list[dict]:
        """Environments for the form: name, title, description, tags with versions and packages."""
        return environment_list(self.site_config, policy, self.built_environments())

    def language(self) -> str:
        """ui.language, else the language of the request that asked for this
        server (its Accept-Language); English for requests without one."""
        handler = getattr(self, "handler", None)
        request = getattr(handler, "request", None)
        header = request.headers.get("Accept-Language") if request is not None else None
        return negotiate(header, fixed_language())

    def get_args(self):
        # jupyterhub-singleuser's options; an app server's command is whole (apps/kinds.py)
        return [] if self.app_spec is not None else super().get_args()

    def get_env(self):
        env = add_shared(super().get_env(), self.language(), not self.disable_user_config)
        env.update(help_texts.server_env(self.site_config, self.language()))  # the memory warning's link
        # The assignments extension's texts (its address comes with the service's registration)
        env.update(assignment_texts.server_env(self.language()))
        if self.app_spec is None:  # JupyterLab's "Share an app" labels; an app server has no JupyterLab
            env.update(apps_texts.server_env(self.site_config, self.language()))
            env.update(jobs_texts.server_env(self.site_config, self.language()))  # "Run as job…"
        # Kernel culling and the warning before this person's server is culled
        env.update(culling_env(self.site_config, [g.name for g in self.user.groups], self.user.admin,
                               self.language()))
        # the gateway's address only for people given remote kernels (and their dialog's labels)
        remote_kernels_env(env, self.site_config, [g.name for g in self.user.groups], self.language(),
                           app=self.app_spec is not None)
        return env

    # -- the start line -------------------------------------------------------

    def start_turn(self, report):
        """`async with self.start_turn(report):` around the part of start()
        that loads the machine (launch, readiness). report(text) gets the
        translated place in line whenever it changes (policy/start_turn.py)."""
        return turn(self, report)

    def configured_start_timeout(self) -> int:
        if self._configured_start_timeout is None:
            self._configured_start_timeout = self.start_timeout
        return self._configured_start_timeout

    def run_pre_spawn_hook(self):
        # JupyterHub reads start_timeout right after this hook and bounds all
        # of start() by it: make room for the time in line (policy/start_turn.py).
        limit = self.configured_start_timeout()
        self.start_timeout = limit + self.queue_timeout if self.queue_timeout else 10 * 365 * 86400
        return super().run_pre_spawn_hook()

    # -- helpers --------------------------------------------------------------

    def policy(self) -> Policy:
        return policy_for_user(self.site_config, self.user)

    def _previous(self) -> dict | None:
        if self.last_choice:
            return self.last_choice
        default_server = self.user.spawners.get("") if self.name else None
        return getattr(default_server, "last_choice", None) if default_server is not None else None

    # -- the form -------------------------------------------------------------

    @default("options_form")
    def _options_form_default(self):
        return lambda spawner: spawner.render_options_form()

    def render_options_form(self) -> str:
        if not self.site_config:
            return ""  # no campushub.yaml: the spawner's own traits decide
        policy = self.policy()
        if nothing_to_choose(policy):
            return ""  # JupyterHub then starts the server without a form page
        lang = self._form_language if self.handler is None and self._form_language else self.language()
        try:
            current = choose(policy, self.site_config, {}, self._previous()).as_user_options()
        except PolicyError:
            current = choose(policy, self.site_config, {}, None).as_user_options()
        return _templates().get_template("spawn_options.html").render(
            _=lambda message, **kw: translate(lang, message, **kw),
            policy=policy, current=current, environments=self.environment_info(policy),
            gib=2**30,
        )

    def options_from_form(self, formdata):
        # Only reshapes the fields; apply_user_options checks them, for the
        # form and the REST API alike.
        return from_form(formdata)

    # -- checking and applying ------------------------------------------------

    @default("apply_user_options")
    def _apply_user_options_default(self):
        return lambda spawner, user_options: spawner.check_and_apply(user_options)

    def check_and_apply(self, user_options: dict | None) -> None:
        if not self.site_config:
            # A plain jupyterhub_config.py setup: cpu_limit, mem_limit etc.
            # as configured there, and no options to act on.
            return
        lang = self._form_language = self.language()
        policy = self.policy()
        try:
            requested = dict(user_options or {})
            app = app_to_start(self, requested, policy)
            if requested and requested == self.last_choice:
                # Not a request but JupyterHub replaying the stored choice: if
                # the policy has changed since, quietly fall back to defaults.
                requested = {}
            choice = choose(policy, self.site_config, requested, self._previous())
        except (PolicyError, apps_model.AppError) as e:
            self._restore_user_options()
            message = e.translated(lang)
            error = web.HTTPError(400, "%s", message)
            error.jupyterhub_message = message  # what the spawn form shows
            raise error from None
        self.choice = choice
        self.app_spec = app
        self.last_choice = choice.as_user_options()
        self._restore_user_options()
        self.apply_choice(choice, policy)

    def _restore_user_options(self) -> None:
        options = dict(self.last_choice or {})
        if self.app_spec is not None:
            options[apps_model.OPTION] = self.app_spec.as_options()
        self.user_options = options
        self._save_user_options(options)

    def _save_user_options(self, options: dict) -> None:
        if self.orm_spawner is None:
            return
        self.orm_spawner.user_options = options
        session = object_session(self.orm_spawner)
        if session is not None:
            session.commit()

    # -- state: the last choice outlives stops and hub restarts ---------------

    def get_state(self):
        state = super().get_state()
        if self.last_choice:
            state["campushub_choice"] = self.last_choice
        if self.app_spec is not None:
            state["campushub_app"] = self.app_spec.as_options()
        return state

    def load_state(self, state):
        super().load_state(state)
        if isinstance(state.get("campushub_choice"), dict):
            self.last_choice = state["campushub_choice"]
        if isinstance(state.get("campushub_app"), dict) and self.site_config:
            try:
                self.app_spec = apps_model.check(state["campushub_app"], self.site_config)
            except apps_model.AppError:
                self.app_spec = None  # the site no longer allows it: a start must ask again
