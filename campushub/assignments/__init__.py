"""Assignments: nbgrader-format notebooks released to a course's learners,
every submission kept as a version, sandboxed autograding, tutor grading
and feedback, served as the hub service `assignments`."""
