"""How a tensor's elements are laid out in memory: a `View`.

The C backend keeps 4-D activations channels-last (NHWC) inside the arena, because the
convolution kernels then read contiguous (kx, c) runs, while the graph's inputs and
outputs stay in ONNX row-major (NCHW) order at the boundary. A reshape never moves
data, so the flattened tensor after an NHWC tensor keeps the NHWC order in memory; its
consumers either do not care (elementwise ops), fold the permutation into their
constants (`shift.fc` permutes its weight columns), or get a relayout copy.

A view describes all these cases with one rule: the memory holds
`logical.reshape(split).transpose(perm).ravel()`, where `split` is a shape with the same
element count as the logical shape (usually equal to it) and `perm` a permutation of
`split`'s axes. Row-major is `split = shape, perm = identity`; NHWC is
`split = (N, C, H, W), perm = (0, 2, 3, 1)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class View:
    """A tensor in memory: logical `shape`, physical order (`split`, `perm`) and C element type."""

    shape: tuple[int, ...]
    split: tuple[int, ...]
    perm: tuple[int, ...]
    ctype: str = "int8_t"

    # ---- constructors

    @staticmethod
    def rowmajor(shape: tuple[int, ...], ctype: str = "int8_t") -> View:
        s = tuple(int(d) for d in shape)
        return View(s, s, tuple(range(len(s))), ctype)

    @staticmethod
    def nhwc(shape: tuple[int, ...], ctype: str = "int8_t") -> View:
        """Channels-last for a 4-D NCHW logical shape."""
        s = tuple(int(d) for d in shape)
        assert len(s) == 4
        return View(s, s, (0, 2, 3, 1), ctype)

    def reshaped(self, shape: tuple[int, ...]) -> View:
        """The same memory seen with another logical shape (a reshape or flatten)."""
        s = tuple(int(d) for d in shape)
        if self.is_rowmajor():
            return View.rowmajor(s, self.ctype)
        return View(s, self.split, self.perm, self.ctype)

    # ---- queries

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def elt_bytes(self) -> int:
        return {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4, "uint32_t": 4}[self.ctype]

    @property
    def nbytes(self) -> int:
        return self.size * self.elt_bytes

    def _nontrivial_order(self) -> list[int]:
        """The split axes of size > 1 in memory order."""
        return [a for a in self.perm if self.split[a] != 1]

    def is_rowmajor(self) -> bool:
        """Whether the memory order is the logical row-major order."""
        order = self._nontrivial_order()
        return order == sorted(order)

    def same_memory_order(self, other: View) -> bool:
        """Whether both views put every logical element at the same place."""
        if self.shape != other.shape:
            return False
        if self.is_rowmajor() and other.is_rowmajor():
            return True
        return bool(np.array_equal(self.phys2log(), other.phys2log()))

    def strides(self) -> tuple[int, ...] | None:
        """Element strides of the logical axes, or None when the layout is not strided in them.

        Axes of size 1 get stride 0. Strided means: the split's axes of size > 1 are the
        logical axes of size > 1 (a reshape that only adds or drops 1s).
        """
        big_split = [d for d in self.split if d != 1]
        big_shape = [d for d in self.shape if d != 1]
        if big_split != big_shape:
            return None
        phys_shape = [self.split[a] for a in self.perm]
        phys_strides = [0] * len(phys_shape)
        acc = 1
        for i in range(len(phys_shape) - 1, -1, -1):
            phys_strides[i] = acc
            acc *= phys_shape[i]
        split_stride = {a: phys_strides[i] for i, a in enumerate(self.perm)}
        split_big = [a for a in range(len(self.split)) if self.split[a] != 1]
        shape_big = [a for a in range(len(self.shape)) if self.shape[a] != 1]
        out = [0] * len(self.shape)
        for la, sa in zip(shape_big, split_big):
            out[la] = split_stride[sa]
        return tuple(out)

    def split_strides(self) -> tuple[int, ...]:
        """Element strides of the split axes (always defined)."""
        phys_shape = [self.split[a] for a in self.perm]
        strides = [0] * len(self.split)
        acc = 1
        for i in range(len(phys_shape) - 1, -1, -1):
            strides[self.perm[i]] = acc if phys_shape[i] != 1 else 0
            acc *= phys_shape[i]
        return tuple(strides)

    def phys2log(self) -> np.ndarray:
        """index array: memory position m holds logical (row-major flat) element phys2log[m]."""
        return np.arange(self.size, dtype=np.int64).reshape(self.split).transpose(self.perm).reshape(-1)

    def describe(self) -> str:
        if self.is_rowmajor():
            return "rowmajor"
        if self.split == self.shape and self.perm == (0, 2, 3, 1):
            return "nhwc"
        return f"split{list(self.split)}perm{list(self.perm)}"

    def to_memory(self, logical: np.ndarray) -> np.ndarray:
        """The flat memory image of a logical array (for tests and constants)."""
        return np.asarray(logical).reshape(self.split).transpose(self.perm).reshape(-1)

    def from_memory(self, flat: np.ndarray) -> np.ndarray:
        """The logical array held by a flat memory image."""
        out = np.empty(self.size, dtype=np.asarray(flat).dtype)
        out[self.phys2log()] = np.asarray(flat).reshape(-1)
        return out.reshape(self.shape)
