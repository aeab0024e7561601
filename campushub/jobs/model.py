"""What a notebook job is, with no I/O: its id, its states, the notebook
path, parameters typed as papermill types `-p` values, and a sweep expanded
into one parameter set per combination. The service, the backends, the page
and the CLI all read jobs through this module.

Every refusal is an Invalid: one translatable line saying what was wrong and
what to do.
"""

from __future__ import annotations

import itertools
import json
import keyword
import math
import posixpath
import re
import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime

from ..i18n import N_, translate
from . import bounds
from .bounds import MAX_ERROR, one_line  # noqa: F401 - part of this module's interface

QUEUED, RUNNING, SUCCEEDED, FAILED, OOM, CANCELLED, LOST = STATES = (
    "queued", "running", "succeeded", "failed", "oom", "cancelled", "lost")
FINAL = frozenset((SUCCEEDED, FAILED, OOM, CANCELLED, LOST))

ID_RE = re.compile(r"^j[0-9]{14}-[0-9a-f]{6}$")
SWEEP_RE = re.compile(r"^s[0-9]{14}-[0-9a-f]{6}$")
MAX_PATH = 1024
MAX_PARAMETERS_JSON = 64 * 1024  # one job's parameters, as stored and as injected into its notebook
JOBS_FOLDER = "jobs"  # ~/jobs/<id>/ in the person's home

NOTEBOOK_TYPE = N_("Name the notebook by its path in your home, such as work/train.ipynb.")
NOTEBOOK_SUFFIX = N_("{path} is not a notebook: name a .ipynb file.")
NOTEBOOK_OUTSIDE = N_("{path} is not inside your home: give a path relative to your home, without '..'.")
PARAMETER_NAME = N_("{name} is not a parameter name: use letters, digits and _, not starting with a digit.")
PARAMETER_VALUE = N_("The value of {name} must be a number, text, true/false, null, or a list or mapping of them.")
PARAMETERS_TYPE = N_("Parameters must be a mapping of names to values.")
PARAMETERS_SIZE = N_("The parameters take {size} bytes; at most {limit} are allowed.")
ASSIGNMENT = N_("{text} is not name=value: write a parameter as -p name=value.")
SWEEP_FORMAT = N_("{text} is not name=v1,v2,...: write a sweep as --sweep name=v1,v2.")
SWEEP_TYPE = N_("A sweep must be a mapping of parameter names to lists of values.")
SWEEP_EMPTY = N_("The sweep of {name} has no values: give at least one.")
SWEEP_TWICE = N_("{name} is both a parameter and swept: keep one of them.")
SWEEP_TOO_BIG = N_("This sweep makes {count} jobs; at most {limit} are allowed in one submission.")


class Invalid(ValueError):
    """A refusal: a translatable message (marked N_), its placeholders and the HTTP status
    it is answered with (400 bad input, 403 not allowed, 404 not yours, 409 too late)."""

    def __init__(self, message: str, status: int = 400, **params):
        self.message, self.params, self.status = message, params, status
        super().__init__(translate("en", message, **params))

    @property
    def values(self) -> dict:
        return self.params

    def translated(self, lang: str) -> str:
        return translate(lang, self.message, **self.params)


def now() -> datetime:
    return datetime.now(UTC)


def _stamp(kind: str, when: datetime | None) -> str:
    return f"{kind}{(when or now()).astimezone(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def new_id(when: datetime | None = None) -> str:
    """j20261201153000-1a2b3c: sortable by creation, unguessable enough to be no enumeration aid."""
    return _stamp("j", when)


def new_sweep_id(when: datetime | None = None) -> str:
    return _stamp("s", when)


def notebook_path(value: object) -> str:
    """The notebook as a normalised path relative to the home; Invalid if it is not one.
    Whether it exists is the backend's question (it looks as the person)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_PATH:
        raise Invalid(NOTEBOOK_TYPE)
    if any(ord(c) < 32 or c == "\x7f" for c in value) or not bounds.encodable(value):
        raise Invalid(NOTEBOOK_TYPE)
    shown = bounds.printable(value[:200])
    parts = value.split("/")
    if value.startswith("/") or ".." in parts:
        raise Invalid(NOTEBOOK_OUTSIDE, path=shown)
    path = posixpath.normpath(value)
    if not path.endswith(".ipynb") or path.rsplit("/", 1)[-1] == ".ipynb":
        raise Invalid(NOTEBOOK_SUFFIX, path=shown)
    return path


# -- parameters ----------------------------------------------------------------


def resolve_type(text: str):
    """A `-p` value typed as papermill's CLI types it (papermill.cli._resolve_type, which
    lives in the user environment only): True/False/None, then int, then float, else the
    text. Unlike papermill, nan and inf stay text: injected as floats they are no Python."""
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) or len(name) > 100:
        raise Invalid(PARAMETER_NAME, name=bounds.printable(str(name)[:100]))
    return name


def _plain(value, depth: int = 0) -> bool:
    """JSON papermill can inject: scalars (finite numbers), lists and string-keyed mappings of them."""
    if isinstance(value, str):
        return bounds.encodable(value)  # a lone surrogate would break parameters.json, not the submission
    if value is None or isinstance(value, (bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if depth > 10:
        return False
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and bounds.encodable(k) and _plain(v, depth + 1) for k, v in value.items())
    return False


def parse_assignment(text: str) -> tuple[str, object]:
    """`name=value` from the command line, the value typed (resolve_type)."""
    name, sep, value = text.partition("=")
    if not sep:
        raise Invalid(ASSIGNMENT, text=text[:100])
    return _check_name(name.strip()), resolve_type(value)


def parse_sweep(text: str) -> tuple[str, list]:
    """`name=v1,v2,...` from the command line, each value typed (resolve_type)."""
    name, sep, values = text.partition("=")
    if not sep:
        raise Invalid(SWEEP_FORMAT, text=text[:100])
    name = _check_name(name.strip())
    if not values:
        raise Invalid(SWEEP_EMPTY, name=name)
    return name, [resolve_type(v) for v in values.split(",")]


def check_parameters(value: object) -> dict:
    """A submission's fixed parameters (JSON), checked."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(PARAMETERS_TYPE)
    for name, item in value.items():
        _check_name(name)
        if not _plain(item):
            raise Invalid(PARAMETER_VALUE, name=name)
    size = len(json.dumps(value))
    if size > MAX_PARAMETERS_JSON:
        raise Invalid(PARAMETERS_SIZE, size=size, limit=MAX_PARAMETERS_JSON)
    return dict(value)


def check_sweep(value: object, parameters: dict, limit: int) -> dict[str, list]:
    """A submission's sweep {name: [values]}, checked; how many jobs it makes stays within limit."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(SWEEP_TYPE)
    for name, values in value.items():
        _check_name(name)
        if not isinstance(values, list):
            raise Invalid(SWEEP_TYPE)
        if not values:
            raise Invalid(SWEEP_EMPTY, name=name)
        if name in parameters:
            raise Invalid(SWEEP_TWICE, name=name)
        for item in values:
            if not _plain(item):
                raise Invalid(PARAMETER_VALUE, name=name)
    count = sweep_size(value)
    if count > limit:
        raise Invalid(SWEEP_TOO_BIG, count=count, limit=limit)
    check_parameters({**parameters, **{name: values for name, values in value.items()}})
    return dict(value)


def sweep_size(sweep: dict[str, list]) -> int:
    return math.prod(len(values) for values in sweep.values()) if sweep else 1


def expand(parameters: dict, sweep: dict[str, list]) -> list[dict]:
    """One parameter set per combination of the sweep's values (the cartesian product, the
    first name varying slowest), each on top of the fixed parameters; [parameters] without a sweep."""
    names = list(sweep)
    return [{**parameters, **dict(zip(names, combo, strict=True))}
            for combo in itertools.product(*(sweep[n] for n in names))]


# -- records -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How a job ended, as its runner's result.json (or the backend) says."""

    state: str  # one of FINAL
    exit_code: int | None = None
    duration_s: float | None = None
    peak_memory: int | None = None  # bytes
    failed_cell: int | None = None  # 0-based index of the cell that raised
    error: str | None = None  # one line
    finished: float | None = None  # epoch seconds, when the runner knows it

    @classmethod
    def from_json(cls, data: object) -> Outcome:
        """From result.json, every field checked: the file is written by code running as the
        person, so it is input like any other (a bad or out-of-range value becomes None, an
        unknown state failed; bounds.py)."""
        data = data if isinstance(data, dict) else {}
        state, error = data.get("state"), data.get("error")
        peak = bounds.number(data.get("peak_memory"), bounds.MAX_BYTES)
        return cls(state=state if state in FINAL else FAILED,
                   exit_code=bounds.integer(data.get("exit_code"), bounds.MAX_EXIT, -bounds.MAX_EXIT),
                   duration_s=bounds.number(data.get("duration_s"), bounds.MAX_SECONDS),
                   peak_memory=int(peak) if peak is not None else None,
                   failed_cell=bounds.integer(data.get("failed_cell"), bounds.MAX_CELL),
                   error=one_line(error) if isinstance(error, str) and error else None,
                   finished=bounds.number(data.get("finished"), bounds.MAX_EPOCH))


@dataclass
class Job:
    id: str
    owner: str
    notebook: str  # relative to the owner's home
    parameters: dict = field(default_factory=dict)
    profile: str | None = None
    sweep: str | None = None  # the id shared by one submission's jobs
    state: str = QUEUED
    created: datetime = field(default_factory=now)
    started: datetime | None = None
    finished: datetime | None = None
    handle: str | None = None  # the backend's
    exit_code: int | None = None
    duration_s: float | None = None
    peak_memory: int | None = None
    failed_cell: int | None = None
    error: str | None = None
    # what it runs with, decided at submission: hub.policy Choice fields (cpu_limit, mem_limit, gpus, ...)
    resources: dict | None = None

    @property
    def folder(self) -> str:
        """Its folder relative to the owner's home: input, output, parameters, log and result."""
        return f"{JOBS_FOLDER}/{self.id}"

    def finish(self, outcome: Outcome, when: datetime | None = None) -> None:
        # whichever backend made it: what the store keeps is bounded (an error one short printable line)
        outcome = Outcome.from_json(asdict(outcome))
        for key in ("state", "exit_code", "duration_s", "peak_memory", "failed_cell", "error"):
            setattr(self, key, getattr(outcome, key))
        ended = datetime.fromtimestamp(outcome.finished, UTC) if outcome.finished else None
        # the runner's clock, unless it claims a time before the start or after now
        if ended is None or (self.started and ended < self.started) or ended > now():
            ended = when or now()
        self.finished = ended

    def as_json(self) -> dict:
        """The API's record: times as ISO 8601 UTC."""
        out = asdict(self)
        for key in ("created", "started", "finished"):
            out[key] = out[key].astimezone(UTC).isoformat() if out[key] else None
        out["folder"] = self.folder
        return out


JOB_FIELDS = tuple(f.name for f in fields(Job))
