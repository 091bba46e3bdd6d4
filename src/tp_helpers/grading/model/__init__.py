"""What grading reads and writes: the source plan, the submissions, the results and their store."""
