"""qcomp's C backend: kernel generators, the emitc -> C printer and the bit-exact checker.

    from qcomp.backend.c_emitter import emit_c_files
"""
