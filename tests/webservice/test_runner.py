"""campushub.webservice.runner's cookie secret: the same across restarts, private, and whole. A file cut
short (a crash or a power cut while it was first written) gave a short or empty secret, or stopped the
service at every start on a half-written hex digit."""

from __future__ import annotations

import os
import stat

import pytest

from campushub.webservice.runner import cookie_secret


def test_the_secret_is_private_and_kept(tmp_path):
    first = cookie_secret(tmp_path)
    assert len(first) == 32 and cookie_secret(tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "cookie_secret").st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cookie_secret"]  # no temporary file left


@pytest.mark.parametrize("cut", ["", "a1b", "00" * 8])
def test_a_secret_cut_short_is_made_again(tmp_path, cut):
    (tmp_path / "cookie_secret").write_text(cut)
    found = cookie_secret(tmp_path)
    assert len(found) == 32 and cookie_secret(tmp_path) == found
    assert bytes.fromhex((tmp_path / "cookie_secret").read_text()) == found
