"""The inventory page and the device page's SNMP section."""
