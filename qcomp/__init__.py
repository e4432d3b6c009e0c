"""qcomp: a post-training quantization compiler from float ONNX to integer-only C, on xDSL."""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path

__version__ = "0.1.0"

CHECKOUT_PACKAGES = ("dialects", "passes", "pipelines", "targets")
"""The top-level folders of the source tree that install as `qcomp.<name>` (pyproject package-dir)."""


class _CheckoutFinder(MetaPathFinder):
    """Resolves `qcomp.dialects`, `qcomp.passes`, `qcomp.pipelines` and `qcomp.targets` in a source checkout.

    Installed, these packages live inside `qcomp/`. In a checkout they are the top-level
    folders `dialects/`, `passes/`, `pipelines/` and `targets/` beside `qcomp/`, and a checkout's
    `qcomp/` is what Python imports whenever the repository root is first on sys.path
    (`python -m ...` or a script run from the root, the bench scripts), even when qcomp
    is also installed. This finder maps exactly those names to the folders; their
    submodules then resolve through the package's `__path__` as usual. Nothing else of
    the checkout (`models`, `test`, `bench`...) becomes part of `qcomp`.
    """

    def __init__(self, root: Path):
        self.root = root

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        prefix, _, name = fullname.partition(".")
        if prefix != __name__ or name not in CHECKOUT_PACKAGES:
            return None
        folder = self.root / name
        if not (folder / "__init__.py").is_file():
            return None
        return spec_from_file_location(fullname, folder / "__init__.py", submodule_search_locations=[str(folder)])


def _install_checkout_finder() -> None:
    here = Path(__file__).resolve().parent
    root = here.parent
    if (here / "dialects").is_dir() or not (root / "dialects" / "__init__.py").is_file():
        return  # an installed package (or an unknown layout): nothing to map
    if not any(isinstance(f, _CheckoutFinder) and f.root == root for f in sys.meta_path):
        sys.meta_path.append(_CheckoutFinder(root))


_install_checkout_finder()
