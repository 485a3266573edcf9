"""Configuration: ``JWTGUARD_*`` environment variables (and ``.env``) read into a
validated, frozen :class:`Settings`, every problem reported at once.
"""

from jwtguard._values import Secret
from jwtguard.config.settings import Settings

__all__ = ["Secret", "Settings"]
