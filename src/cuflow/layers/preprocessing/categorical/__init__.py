"""Categorical preprocessing: StringLookup, IntegerLookup, Hashing, CategoryEncoding,
Discretization."""
