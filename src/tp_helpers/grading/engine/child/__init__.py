"""The forked processes: the zygote (the lab's source run once), the supervisors and the runs,
their confinement, and the integrity guard. Standard library and the lab's own imports only:
nothing here imports the grader (the import contracts in pyproject.toml check it)."""
