"""Tools to understand and trust what runs: gradient checks, kernel verification, NaN replay,
launch profiles, device choice by measurement."""
