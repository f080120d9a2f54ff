"""Runs a notebook through Jupyter's own client (nbclient), as the kernel test needs.

usage: /usr/bin/python3 run-notebook.py NOTEBOOK KERNEL_NAME
Executes every cell with allow_errors (a failing cell must not stop the run; the kernel must
keep serving), in the notebook's folder, and prints the executed notebook as JSON on stdout.
The kernel is found through JUPYTER_PATH, which the caller sets.
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, kernel_name = sys.argv[1], sys.argv[2]
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        allow_errors=True,
        timeout=60,
        startup_timeout=60,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    client.execute()
    json.dump(notebook, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
