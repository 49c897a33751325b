"""Messages out: the outbox, the words of alerts, the SMTP transport and the sender job."""
