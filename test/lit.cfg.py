"""lit configuration for qcomp: `lit test/` runs every test below this folder."""

import os
import shutil
import sys

import lit.formats

config.name = "qcomp"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(os.path.dirname(__file__), "..", "build", "lit")
config.excludes = ["lit.cfg.py", "lit.local.cfg", "Inputs", "conftest.py"]

repo = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
config.environment["PATH"] = os.environ["PATH"]
for var in ("HOME", "TMPDIR", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"

config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%repo", repo))
config.substitutions.append(("%models", os.path.join(repo, "models")))
config.substitutions.append(("%host_harness", os.path.join(repo, "qcomp", "backend", "runtime", "host_harness.c")))
config.substitutions.append(
    ("QCOMP_ROUNDTRIP",
     "qcomp-opt %s --split-input-file --print-op-generic"
     " | qcomp-opt --split-input-file | filecheck %s"))

if shutil.which("cc"):
    config.available_features.add("cc")
if shutil.which("clang"):
    config.available_features.add("clang")
try:
    import onnxruntime  # noqa: F401
    config.available_features.add("onnxruntime")
except ImportError:
    pass
