"""Regularization layers: the dropout family, noise, ActivityRegularization."""
