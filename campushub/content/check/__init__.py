"""`campushub content check`: run every notebook of a course in a sandbox,
measure it, and recommend the course's resource policy."""
