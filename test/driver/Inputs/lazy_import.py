"""A script whose first-party import happens inside main(), as the bench scripts' do: `--help`
alone succeeds, so only check_readme's import probe can see that the import is broken."""

import argparse


def main():
    argparse.ArgumentParser().parse_args()
    from qcomp.dialects import no_such_module  # noqa: F401


if __name__ == "__main__":
    main()
