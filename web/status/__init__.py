"""The status pages: district, site, device."""
