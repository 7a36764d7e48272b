"""Reference-data generation for hamd's models (see docs/dataset-format.md): surrogate
Hamiltonians (tools/make-dataset) and energies/forces (tools/make-energy-dataset)."""
