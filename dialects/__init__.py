"""qcomp's dialects: `quant` (ONNX-level float/PoT tensors), `shift` (integer-only), `emitc` (C).

Installed as `qcomp.dialects`; import from there, never as a top-level `dialects` package.
"""
