"""The restart pace (pace.py): a person's relaunches beyond the pace are refused, nothing counted for the refused
ones, the window slides, and one person's pace is not another's."""

from campushub.remote_kernels.pace import Pace


def test_restarts_beyond_the_pace_wait_for_the_window():
    pace = Pace(per_window=3, window_s=60)
    assert [pace.allow("alice", t) for t in (0, 1, 2, 3, 59)] == [True, True, True, False, False]
    assert pace.allow("bob", 3) is True
    assert pace.allow("alice", 60) is True  # the first one left the window
    assert pace.allow("alice", 60.5) is False
    assert pace.allow("alice", 62) is True
