"""negotiate, translate and translate_message: the translation core."""

from __future__ import annotations

import pytest

from campushub.i18n import negotiate, translate, translate_message

from .common import JA


@pytest.mark.parametrize(
    "header, fixed, expected",
    [
        (None, "auto", "en"),
        ("", "auto", "en"),
        ("ja", "auto", "ja"),
        ("ja-JP", "auto", "ja"),
        ("JA_jp", "auto", "ja"),
        ("ja;q=0.9,en;q=0.8", "auto", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "auto", "en"),
        ("en;q=0.1, ja;q=0.2", "auto", "ja"),
        ("fr-FR, de;q=0.9, ja;q=0.5", "auto", "ja"),
        (" ja ; q = 0.5 , en ; q=0.4", "auto", "ja"),
        ("ja, en", "auto", "ja"),  # equal q: first listed wins
        ("en, ja", "auto", "en"),
        ("ja;q=0, en;q=0.1", "auto", "en"),  # q=0: not acceptable
        ("ja;q=2", "auto", "en"),  # out of range
        ("ja;q=abc", "auto", "en"),
        ("fr", "auto", "en"),
        ("*", "auto", "en"),
        (";;;q=,,,=;", "auto", "en"),
        ("\x00garbage\xff" * 500, "auto", "en"),
        ("en", "ja", "ja"),
        ("ja", "en", "en"),
        ("ja", "JA", "ja"),
        ("ja", "klingon", "ja"),  # invalid fixed value means auto
        ("ja", "", "ja"),
        ("ru", "auto", "ru"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "auto", "ru"),
        ("ja;q=0.5, ru;q=0.6", "auto", "ru"),
        ("ru, ja", "auto", "ru"),
        ("ja", "ru", "ru"),
        ("ru", "ja", "ja"),
    ],
)
def test_negotiate(header, fixed, expected):
    assert negotiate(header, fixed) == expected


def test_translate_with_placeholders_and_fallbacks():
    msg = "User {username} has not been authorized by an administrator yet."
    assert translate("ja", msg, username="alice").startswith("ユーザー「alice」")
    assert translate("en", msg, username="alice") == msg.format(username="alice")
    assert translate("ja", "Not in the catalog {x}", x=1) == "Not in the catalog 1"
    assert translate("fr", "Sign in") == "Sign in"
    assert translate("ja", "Sign in") == JA["Sign in"]
    assert translate("ja", "{literal} braces kept without kwargs") == "{literal} braces kept without kwargs"


def test_translate_message_matches_runtime_strings():
    known = [
        "Invalid username or password.",
        "User {username} has not been authorized by an administrator yet.",
    ]
    built = "User bob has not been authorized by an administrator yet."
    assert "「bob」" in translate_message("ja", built, known)
    assert translate_message("en", built, known) == built
    # nativeauthenticator embeds "\n"; HTML shows it as a space
    signup = ("Something went wrong!\nIt appears that this username is already in use. "
              "Please try again with a different username.")
    assert translate_message("ja", signup, [" ".join(signup.split())]) == JA[" ".join(signup.split())]
    assert translate_message("ja", "Something unexpected", known) == "Something unexpected"
    assert translate_message("ja", None, known) == ""
