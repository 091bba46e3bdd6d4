"""The grader's side of execution: the scheduler, the client of the zygote, the one protocol
between them, and the policy of each run. ``child/`` holds the processes themselves.

Imports nothing: ``python -m tp_helpers.grading.engine.child.zygote`` goes through this
package, and the zygote must not load the grader.
"""
