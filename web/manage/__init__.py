"""Managing sites, devices and credential profiles from the browser, and imports."""
