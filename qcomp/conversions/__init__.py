"""Rewrite-pattern libraries for the lowerings (quant -> shift, shift -> emitc), importable by user passes."""
