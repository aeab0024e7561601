"""StoreError: a request the database refuses, as a translatable one-liner."""

from __future__ import annotations


class StoreError(Exception):
    """``message`` is an English source string marked with N_, ``kwargs`` its
    placeholders, so the web layer answers in the person's language."""

    def __init__(self, message: str, **kwargs):
        super().__init__(message.format(**kwargs) if kwargs else message)
        self.message, self.kwargs = message, kwargs
