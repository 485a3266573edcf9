"""Developer tools that are not part of the jwtguard package."""
