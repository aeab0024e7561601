"""The portal's own strings, marked for the catalog: its name, the shipped
sections' titles (nav.yaml names them in English) and the organisation
section's default title."""

from __future__ import annotations

from ..config.help import ORGANISATION
from ..i18n import N_

SITE_NAME = N_("CampusHub help")
SECTIONS = (N_("Learners' guide"), N_("Tutors' guide"), N_("Operators' guide"))
# the language menu shows each language in itself
LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "ru": "Русский"}
__all__ = ["LANGUAGE_NAMES", "ORGANISATION", "SECTIONS", "SITE_NAME"]
