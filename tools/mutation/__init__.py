"""Mutation testing of jwtguard: see tools/mutation/__main__.py and CONTRIBUTING.md."""
