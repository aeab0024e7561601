"""nbgrader's assignment format as pure functions over notebooks.

Built on nbgrader's own preprocessors and helpers (nbgrader.utils) so that a
source notebook means here what it means to `nbgrader generate_assignment`
and `nbgrader autograde`; only what needs nbgrader's gradebook (SaveCells,
OverwriteCells, SaveAutoGrades) is redone over the source notebook itself.
"""
