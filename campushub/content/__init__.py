"""Course content: checking that every notebook runs on the platform (check/)."""
