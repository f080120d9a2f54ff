"""Executes notebooks through Jupyter's own client (nbclient), for the notebooks test.

usage: /usr/bin/python3 run-notebooks.py KERNEL_NAME OUT_DIR NOTEBOOK...
Each notebook runs in its own folder on a fresh kernel with allow_errors (every cell runs, so all
error outputs are seen); the executed notebook is written to OUT_DIR/NAME. Prints one JSON line per
notebook: {"notebook", "seconds", "errors": [{"cell", "ename", "evalue"}], "exception"}.
The kernel is found through JUPYTER_PATH, which the caller sets.
"""
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    kernel_name, out_dir, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    for path in paths:
        started = time.time()
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            kernel_name=kernel_name,
            allow_errors=True,
            timeout=1200,
            startup_timeout=120,
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        )
        exception = None
        try:
            client.execute()
        except Exception as e:  # a timeout or a dead kernel: reported, the next notebook still runs
            exception = f"{type(e).__name__}: {e}"
        errors = []
        for index, cell in enumerate(notebook.cells):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    errors.append({"cell": index + 1, "ename": output.get("ename"), "evalue": output.get("evalue")})
        nbformat.write(notebook, os.path.join(out_dir, os.path.basename(path)))
        print(json.dumps({"notebook": os.path.basename(path), "seconds": round(time.time() - started, 1), "errors": errors, "exception": exception}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
