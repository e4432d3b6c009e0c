"""qcomp: a post-training quantization compiler from float ONNX to integer-only C, on xDSL."""

__version__ = "0.1.0"
