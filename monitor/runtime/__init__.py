"""Running it: the schedule (one table of jobs), the service, job runs, metrics, first set-up."""
