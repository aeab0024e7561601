"""A class list as an operator gets it: 200 learners, a tutor, and some lines a spreadsheet gets wrong."""

from __future__ import annotations

LEARNERS = [f"learner{i:03d}" for i in range(1, 201)]
HEADER = "username,display_name,groups,admin"
# line number (the header is line 1) -> the bad line; the good lines are around them
BAD = {
    30: "learner999,Nine,cohort26,maybe",          # bad admin value
    60: "bad name,Spaces,cohort26,",                # not a user name
    90: "Carol,Carol Upper,cohort26,",              # the hub would call her carol
    120: "learner005,Twice,cohort26,",              # already on an earlier line
    150: ",No name,cohort26,",                      # no username
    180: "learner998,Extra,cohort26,false,surplus",  # one value too many
    200: "learner997,Gap,cohort26;;ml101,",         # an empty group name
}


def good_line(name: str) -> str:
    number = int(name[-3:])
    groups = "cohort26;ml101" if number % 2 else "cohort26"
    return f'{name},"Learner {number}, 山田",{groups},{"no" if number % 3 else ""}'


def cohort_csv() -> tuple[str, dict[int, str]]:
    """The CSV text and {line: username} of its good lines."""
    lines, good = [HEADER], {}
    learners = iter(LEARNERS + ["tutor1"])
    while True:
        line_no = len(lines) + 1
        if line_no in BAD:
            lines.append(BAD[line_no])
            continue
        name = next(learners, None)
        if name is None:
            break
        lines.append("tutor1,Tutor One,cohort26-tutors,true" if name == "tutor1" else good_line(name))
        good[line_no] = name
    return "\n".join(lines) + "\n", good
