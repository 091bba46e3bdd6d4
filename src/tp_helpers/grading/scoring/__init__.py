"""How a batch of submissions is graded: the pipeline's steps, the attribution of each run to
its exercises, tampering, and the replay of a student's earlier helpers."""
