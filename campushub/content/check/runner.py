"""Executes one notebook; run inside the sandbox by the course environment's
Python, so it may import nothing of CampusHub (only nbclient/nbformat, which
every Jupyter environment has). Prints one JSON line: the outcome."""

import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main(source: str, target: str, cell_timeout: int) -> dict:
    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": "."}})
    outcome = {"status": "passed"}
    try:
        client.execute()
    except CellExecutionError as e:
        outcome = {"status": "failed", **_failed_cell(nb, e)}
    except CellTimeoutError as e:
        outcome = {"status": "timeout", "error": str(e).splitlines()[0][:500]}
    except DeadKernelError as e:
        outcome = {"status": "died", "error": str(e)[:500]}
    nbformat.write(nb, target)
    return outcome


def _failed_cell(nb, error) -> dict:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return {"cell": index, "ename": output.get("ename", ""), "evalue": str(output.get("evalue", ""))[:500],
                        "source": "".join(cell.get("source", ""))[:500]}
    return {"cell": None, "ename": getattr(error, "ename", ""), "evalue": str(getattr(error, "evalue", error))[:500]}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))), flush=True)
