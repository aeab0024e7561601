"""Attack review 17, F4: a file name with a control character (an escape sequence, a newline) is refused
in one line that shows the name escaped, and no message of the build carries the raw character (a
terminal would run the sequence; a newline would fake a line of its own in warnings.txt)."""

from __future__ import annotations

import pytest

from campushub.help import HelpBuildError, build

from ..inprocess import campushub
from .portal import config, org, shipped

NAMES = ["a\nwarning: touch PWNED.md", "b\x1b[31mRED\x1b]0;owned\x07.md", "c\x7f\u202e.md", "d\x85.md"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    shipped(tmp_path / "shipped", monkeypatch)
    return org(tmp_path / "org")


def raw(line: str) -> bool:
    return any(c in line for c in "\n\x1b\x07\x7f\u202e\x85")


def test_names_with_control_characters_are_refused_escaped(folder, tmp_path):
    for name in NAMES:
        (folder / name).write_text("# x\n")
    (folder / "e\x1bdir").mkdir()
    (folder / "e\x1bdir/page.md").write_text("# y\n")
    with pytest.raises(HelpBuildError) as e:
        build.build(config(folder), tmp_path / "out")
    assert not any(raw(line) for line in e.value.lines)
    because = ": a control character (a newline, an escape...) in the name; rename it to plain letters, digits " \
              "and punctuation"
    assert sorted(e.value.lines) == sorted([
        f"{folder}/a\\nwarning: touch PWNED.md:1" + because,
        f"{folder}/b\\x1b[31mRED\\x1b]0;owned\\x07.md:1" + because,
        f"{folder}/c\\x7f\\u202e.md:1" + because,
        f"{folder}/d\\x85.md:1" + because,
        f"{folder}/e\\x1bdir:1" + because])
    assert not (tmp_path / "out").exists()


def test_a_nav_entry_with_a_control_character_is_refused(folder, tmp_path):
    (folder / "nav.yml").write_text('- index.md\n- "vpn\\e[2J.md"\n')
    with pytest.raises(HelpBuildError) as e:
        build.build(config(folder), tmp_path / "out")
    assert e.value.lines == [f"{folder}/nav.yml:2: write a page's path relative to the folder, e.g. `- vpn.md` "
                             "(no control characters)"]


def test_the_command_prints_no_raw_control_character(folder, tmp_path):
    (folder / NAMES[1]).write_text("# x\n")
    conf = tmp_path / "campushub.yaml"
    conf.write_text(f"data_dir: {tmp_path / 'data'}\nhelp:\n  pages_dir: {folder}\n")
    result = campushub("help", "build", "--config", str(conf))
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert f"{folder}/b\\x1b[31mRED\\x1b]0;owned\\x07.md:1: a control character" in result.stderr
