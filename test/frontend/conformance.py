# RUN: %python %repo/scripts/conformance_report.py -o %t.md --min-pass-rate 95 --failures | filecheck %s
# RUN: filecheck %s --check-prefix=DOC < %t.md
"""ONNX backend node tests: import + float executor vs the expected outputs, >= 95% must pass.

The script exits 1 (failing this test) below the threshold; the checks below also make
sure that cases were actually run and that the report lists totals and failures.
"""

# CHECK: conformance: {{[0-9]+}} cases, {{[1-9][0-9]+}} in scope, {{[0-9]+}} passed, {{[0-9]+}} failed, pass rate {{(9[5-9]|100)\.[0-9]}}%

# DOC: # ONNX backend node-test conformance
# DOC: | **in scope** | **{{[1-9][0-9]+}}** |
# DOC: | **pass rate** | **{{(9[5-9]|100)\.[0-9]}}%** |
# DOC: ## Failing cases
