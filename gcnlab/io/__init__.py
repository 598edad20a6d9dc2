"""Checkpoints and results on disk. Imports no task: the tasks register their evaluators."""
