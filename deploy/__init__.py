"""The production recipe (README.md in this folder) and `make production-check`."""
