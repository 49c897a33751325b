"""Sites and devices: validation, import with its preview, credential profiles, the inventory's reads."""
