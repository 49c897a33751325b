"""The network map (/map): devices as nodes, parent and LLDP/CDP links as edges.

graph.py (PURE) assembles the map from rows; queries.py reads those rows in four statements.
"""
