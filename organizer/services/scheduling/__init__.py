"""Scheduling: the plan (plain data), conflict rules, editor changes, the automatic scheduler
(CP-SAT) and releases. Views import the submodules they need."""
