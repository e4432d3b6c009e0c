"""The quant ops' canonicalization trait (xDSL's `HasCanonicalizationPatternsTrait`).

An op that can be a no-op lists `DropsNoop("<pattern>")` in its `traits`; the pattern (a
class of `qcomp.dialects.quant.noops`, imported on use since it matches the very op classes
that carry this trait) removes it when it returns its input unchanged. `drop-noops` and
xDSL's `canonicalize` apply them.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.ir import Operation
from xdsl.pattern_rewriter import RewritePattern
from xdsl.traits import HasCanonicalizationPatternsTrait


@dataclass(frozen=True)
class DropsNoop(HasCanonicalizationPatternsTrait):
    """Canonicalization: `pattern` (a class name in `qcomp.dialects.quant.noops`) drops the op
    when it is a no-op."""

    pattern: str

    def get_patterns(self, op: type[Operation]) -> tuple[RewritePattern, ...]:
        from qcomp.dialects.quant import noops

        return (getattr(noops, self.pattern)(),)

    @classmethod
    def get_canonicalization_patterns(cls) -> tuple[RewritePattern, ...]:
        return ()  # per instance: see get_patterns
