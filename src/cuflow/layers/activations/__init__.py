"""Activation layers: Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax."""
