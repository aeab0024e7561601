"""A user pod gets the assignments extension's texts in the person's
language, from the policy mixin as local servers do (hub/assignment_texts.py).
No cluster: the pod is built offline (see conftest.py)."""

from __future__ import annotations

import json

import pytest

from campushub.hub.assignment_texts import TEXTS, TEXTS_ENV
from campushub.i18n import translate

from .test_server_texts import pod_env

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")


@pytest.mark.parametrize("lang", ["ja", "ru", "en"])
def test_the_pod_carries_the_assignment_texts_in_the_persons_language(lang):
    texts = json.loads(pod_env([], lang)[TEXTS_ENV])
    assert texts["lang"] == lang
    assert texts["texts"] == {text: translate(lang, text) for text in TEXTS}
    if lang != "en":
        assert texts["texts"]["Submit assignment"] != "Submit assignment"
