"""Reference-data generation for hamd's surrogate-Hamiltonian models (see docs/dataset-format.md)."""
