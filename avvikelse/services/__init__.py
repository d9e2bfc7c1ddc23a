"""Domain rules of DESIGN.md, one module per rule family. Services flush, never commit."""
