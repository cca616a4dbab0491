"""The seeded model workload and its checker (issue 11): plan, execute, check, timeline, report."""
