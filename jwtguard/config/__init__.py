"""Configuration: settings read from the environment (and ``.env``), Flask's
``app.config`` or any other :class:`Source` into a validated, frozen
:class:`Settings`, every problem reported at once; :mod:`.build` makes them real.
"""

from jwtguard._source import PREFIX, DictSource, PrefixedSource, Reader, Source
from jwtguard._values import Secret
from jwtguard.config.settings import Settings

__all__ = ["PREFIX", "DictSource", "PrefixedSource", "Reader", "Secret", "Settings", "Source"]
