"""Case modules of the spec conformance slice; see ../README.md."""
