"""SNMP traps: who may send, the events they become on a device's timeline, the receiver job."""
