"""A griffe extension for the documentation site: reStructuredText habits made Markdown.

The docstrings name other objects the Sphinx way (:class:`Policy`, :meth:`Guard.issue`) and
end a line with ``::`` before a literal block; Markdown would print both as written. The API
reference shows the names as inline code and the ``::`` as one colon (the indented block
already is a Markdown code block).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|mod|exc|obj|const):`~?([^`]+)`")
_LITERAL_BLOCK = re.compile(r"::$", re.MULTILINE)  # RST "text::" before an indented block


class SphinxRolesAsCode(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = _ROLE.sub(r"`\1`", obj.docstring.value)
            obj.docstring.value = _LITERAL_BLOCK.sub(":", text)
