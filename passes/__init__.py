"""qcomp's passes, one per module (installed as `qcomp.passes`).

Each module defines one `ModulePass` registered with `qcomp.registry.register_pass`;
`qcomp.registry` finds them by scanning this package (`pkgutil.iter_modules`) the first
time a pass is looked up, so adding a pass is adding its module.
"""
