"""Device state: the pure state function, the ping sweep that feeds it, its rows, rollups, maintenance."""
