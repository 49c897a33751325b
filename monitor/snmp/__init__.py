"""SNMP rounds: plan → collectors.snmp → rows; counter arithmetic (pure)."""
