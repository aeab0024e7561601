"""How version statuses read on the tutors' pages (the store keeps the exact
strings; these are their English sources for the catalog)."""

from __future__ import annotations

from ...i18n import N_

NOT_SUBMITTED = N_("Not submitted")
LABELS = {
    "submitted": N_("Submitted"),
    "autograding": N_("Autograding"),
    "autograded": N_("Autograded"),
    "graded": N_("Graded"),
    "resubmission_requested": N_("Resubmission requested"),
    "feedback_returned": N_("Feedback returned"),
    None: NOT_SUBMITTED,
}
# Bootstrap badge colours: what still needs the tutor stands out.
BADGES = {"submitted": "secondary", "autograding": "info", "autograded": "warning", "graded": "primary",
          "resubmission_requested": "danger", "feedback_returned": "success", None: "light"}


def label(translate, status: str | None) -> str:
    return translate(LABELS.get(status, NOT_SUBMITTED)) if status in LABELS else status
