"""qcomp's passes, one per module (installed as `qcomp.passes`).

Each module defines one `ModulePass` registered with `qcomp.registry.register_pass`;
`qcomp.registry` imports the modules listed in `BUILTIN_PASS_MODULES` lazily.
"""
