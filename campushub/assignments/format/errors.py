"""The one error the format layer raises: a translatable one-line message."""

from __future__ import annotations

from campushub.i18n import translate


class AssignmentError(Exception):
    """What is wrong with an assignment and what to do, in one line.

    ``message`` is the English catalog source (marked with N_ where raised);
    ``params`` fill its placeholders after translation, so every language gets
    the notebook, cell and grade id as they are.
    """

    def __init__(self, message: str, /, **params):
        super().__init__(message, params)
        self.source = message
        self.params = params

    def __reduce__(self):  # args are (message, params), not __init__'s signature
        return _rebuild, (self.source, self.params)

    def message(self, lang: str = "en") -> str:
        return " ".join(translate(lang, self.source, **self.params).split())

    def __str__(self) -> str:
        return self.message("en")


def _rebuild(message: str, params: dict) -> AssignmentError:
    return AssignmentError(message, **params)
