"""The government ICT asset register: what every asset carries beyond what is polled."""
