"""Edge collectors, the central's side: enrolment, the configuration a collector pulls, the
results it uploads applied through the same state function as the office's own sweeps."""
