"""The simulated district on loopback: devices, their SNMP agents, used by `ictmon demo`, tests and benchmarks."""
