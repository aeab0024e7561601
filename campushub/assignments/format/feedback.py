"""Feedback for learners: the graded notebook as nbconvert HTML.

Hidden tests never reach it: a test cell shows the student version's source
and only passed/failed with its points, never its outputs (learner code can
print anything there, the hidden asserts included, e.g. from a traceback or
IPython's input history), and every output of a cell run after the first test
with hidden parts is dropped for the same reason. Learners write the HTML in
outputs and Markdown, so it is sanitised (sanitize.py).
"""

from __future__ import annotations

import copy

import jinja2
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from campushub.i18n import translate

from .metadata import HIDDEN
from .sanitize import clean_html, inert_outputs
from .scoring import CellScore

TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block notebook_css -%}
{{ resources.include_css("static/theme-light.css") }}
<style>
body.jp-Notebook{margin:0;padding:0 1rem 2rem;font-family:var(--jp-content-font-family);
 font-size:var(--jp-content-font-size1);color:var(--jp-content-font-color1);background:#fff;line-height:1.5}
main{max-width:1100px;margin:0 auto}
.jp-Cell{margin:.4rem 0}
.jp-Cell-inputWrapper,.jp-OutputArea-child,.jp-InputArea{display:flex}
.jp-InputArea,.jp-Cell-inputWrapper,.jp-OutputArea{width:100%}
.jp-InputPrompt,.jp-OutputPrompt{flex:0 0 5.5em;font-family:var(--jp-code-font-family);
 font-size:var(--jp-code-font-size);text-align:right;padding:.4em .5em;color:#6c757d}
.jp-InputArea-editor{flex:1;min-width:0;background:var(--jp-cell-editor-background);
 border:1px solid var(--jp-cell-editor-border-color);border-radius:.25rem;overflow:auto}
.jp-InputArea-editor pre,.jp-OutputArea-output pre{margin:0;padding:.4em .6em;font-family:var(--jp-code-font-family);
 font-size:var(--jp-code-font-size);white-space:pre-wrap;word-break:break-word}
.jp-OutputArea-output{flex:1;min-width:0;overflow:auto}
.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]{background:#fdd}
.jp-RenderedMarkdown{padding:0 .6em}.jp-RenderedImage img{max-width:100%}
.jp-Collapser,a.anchor-link,.jp-Cell-outputCollapser{display:none}
</style>
{%- endblock notebook_css -%}
{% block extra_css %}<style>
.chub-summary{margin:1rem auto;max-width:1100px;padding:.75rem 1rem;border:1px solid #dee2e6;border-radius:.375rem;
 background:#f8f9fa;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.chub-summary h1{font-size:1.4rem;margin:0 0 .25rem}
.chub-cell{border:1px solid #dee2e6;border-radius:.375rem;margin:.5rem 0}
.chub-head{padding:.35rem .75rem;font-family:system-ui,sans-serif;font-weight:600;background:#f8f9fa;
 border-bottom:1px solid #dee2e6;display:flex;justify-content:space-between}
.chub-passed .chub-head{background:#d1e7dd;color:#0a3622}
.chub-failed .chub-head{background:#f8d7da;color:#58151c}
.chub-comment{padding:.5rem .75rem;white-space:pre-wrap;border-top:1px solid #dee2e6;background:#fff3cd;
 font-family:system-ui,sans-serif}
.chub-note{padding:.25rem .75rem;color:#6c757d;font-style:italic;font-family:system-ui,sans-serif}
</style>{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
{%- set s = resources.campushub -%}
<div class="chub-summary"><h1>{{ s.title | e }}</h1><div class="chub-total">{{ s.total | e }}</div></div>
{%- endblock body_header -%}
{%- block any_cell -%}
{%- set g = cell.metadata.get('campushub_feedback') -%}
{%- if g -%}
<div class="chub-cell chub-{{ g.state | e }}" id="{{ g.anchor | e }}">
<div class="chub-head"><span>{{ g.label | e }}</span>
<span class="chub-points">{{ g.points | e }}</span></div>
{{ super() }}
{%- if g.note %}<div class="chub-note">{{ g.note | e }}</div>{% endif -%}
{%- if g.comment %}<div class="chub-comment"><strong>{{ g.comment_label | e }}</strong>
{{ g.comment | e }}</div>{% endif -%}
</div>
{%- else -%}
{{ super() }}
{%- if cell.metadata.get('campushub_dropped') -%}
<div class="chub-note">{{ resources.campushub.dropped | e }}</div>
{%- endif -%}
{%- endif -%}
{%- endblock any_cell -%}
"""


MARKS = ("campushub_feedback", "campushub_dropped")


def _pts(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def feedback_html(executed_nb: NotebookNode, student_nb: NotebookNode, scores: list[CellScore],
                  manual: dict[str, tuple[float | None, str]], lang: str = "en", *, title: str = "") -> str:
    """``executed_nb`` (merge_submission's notebook after grading) as HTML for
    its learner; ``student_nb`` is the released version of the same notebook;
    ``manual`` maps grade ids to a tutor's (points, comment)."""
    nb = copy.deepcopy(executed_nb)
    released = {c.metadata["nbgrader"]["grade_id"]: c for c in student_nb.cells
                if isinstance(c.get("metadata", {}).get("nbgrader"), dict) and "grade_id" in c.metadata["nbgrader"]}
    by_id = {s.grade_id: s for s in scores}
    hidden_ran = False
    for cell in nb.cells:
        for key in MARKS:  # only this function sets them: a learner's own would be trusted by the template
            cell.get("metadata", {}).pop(key, None)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        meta = meta if isinstance(meta, dict) else {}
        gid = meta.get("grade_id")
        s = by_id.get(gid) if gid else None
        is_test = s is not None and s.kind == "tests"
        if is_test or (meta.get("grade") and not meta.get("solution")):
            hidden_ran = hidden_ran or HIDDEN[0] in cell.source
            cell.source = released[gid].source if gid in released else ""
            _drop_outputs(cell)
        elif hidden_ran and cell.cell_type == "code" and cell.get("outputs"):
            _drop_outputs(cell)
            cell.metadata["campushub_dropped"] = True
        if gid in released and not meta.get("solution"):
            # task and other locked cells as released: grading put back the source's, mark scheme and all
            cell.source = released[gid].source
        if s is not None:
            cell.metadata["campushub_feedback"] = _banner(s, manual.get(s.grade_id), lang)
    inert_outputs(nb)
    for key in list(nb.metadata):
        if key not in ("kernelspec", "language_info"):
            del nb.metadata[key]  # widget state and the like can carry what learner code saw
    auto = sum(s.auto_points or 0.0 for s in scores if s.kind == "tests")
    given = sum((manual.get(s.grade_id) or (None,))[0] or (s.auto_points or 0.0)
                for s in scores if s.kind in ("manual", "task"))
    most = sum(s.max_points for s in scores if s.kind != "autograded")
    resources = {"campushub": {
        "title": title or translate(lang, "Feedback"),
        "total": translate(lang, "Score: {points} / {max}", points=_pts(auto + given), max=_pts(most)),
        "dropped": translate(lang, "Outputs of cells run after the hidden tests are not shown."),
    }, "metadata": {"name": title or "feedback"}}
    exporter = HTMLExporter(template_name="lab", sanitize_html=True, filters={"clean_html": clean_html},
                            language_code=lang if lang in ("en", "ja", "ru") else "en",
                            extra_loaders=[jinja2.DictLoader({"campushub_feedback.html.j2": TEMPLATE})],
                            template_file="campushub_feedback.html.j2")
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def _drop_outputs(cell: NotebookNode) -> None:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None


def _banner(s: CellScore, given: tuple[float | None, str] | None, lang: str) -> dict:
    points, comment = given if given else (None, "")
    banner = {"anchor": f"cell-{s.grade_id}", "comment": comment or "", "note": "", "state": "answer",
              "comment_label": translate(lang, "Comment:")}
    if s.kind == "tests":
        banner["state"] = "passed" if s.passed else "failed"
        banner["label"] = translate(lang, "Test passed") if s.passed else translate(lang, "Test failed")
        banner["points"] = translate(lang, "{points} / {max} points",
                                     points=_pts(s.auto_points), max=_pts(s.max_points))
    elif s.kind in ("manual", "task"):
        banner["label"] = translate(lang, "Your answer") if s.kind == "manual" else translate(lang, "Task")
        got = points if points is not None else s.auto_points
        banner["points"] = (translate(lang, "{points} / {max} points", points=_pts(got), max=_pts(s.max_points))
                            if got is not None else translate(lang, "not graded yet"))
    else:
        banner["label"], banner["points"] = translate(lang, "Your answer"), ""
    return banner
