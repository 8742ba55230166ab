"""Sandbox scale benchmark: generate N dossiers, then page through all of them over HTTP.

    python bench/bench_sandbox.py              # 10,000 and 100,000 dossiers
    python bench/bench_sandbox.py 5000 50000   # other sizes

Prints, per size: generation time (data + indexes, server listening), pages of 100 light
dossiers per second, total paging time, and the ratios to the smallest size, so that
linearity shows (a ×10 size should take about ×10, not ×100).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dsbot.sandboxes.ds.server import SandboxServer

QUERY = """
query Page($number: Int!, $after: String) {
  demarche(number: $number) {
    dossiers(first: 100, after: $after, updatedSince: "2000-01-01T00:00:00Z") {
      pageInfo { hasNextPage endCursor }
      nodes { id number state archived dateDepot dateDerniereModification
              groupeInstructeur { number } }
    }
  }
}
"""


def run(size: int) -> dict:
    start = time.perf_counter()
    server = SandboxServer(seed=1, demarches=1, dossiers=size).start()
    generated = time.perf_counter() - start
    try:
        client = httpx.Client(headers={"Authorization": f"Bearer {server.token}"}, timeout=60)
        seen: set[int] = set()
        pages, after = 0, None
        start = time.perf_counter()
        while True:
            response = client.post(
                server.graphql_url,
                json={"query": QUERY, "variables": {"number": 1001, "after": after}},
            )
            response.raise_for_status()
            connection = response.json()["data"]["demarche"]["dossiers"]
            pages += 1
            seen.update(node["number"] for node in connection["nodes"])
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        paging = time.perf_counter() - start
        client.close()
        listed = server.app.store.count_dossiers(1001)
        assert len(seen) == listed, (len(seen), listed)
    finally:
        server.stop()
    return {
        "size": size,
        "generation": generated,
        "pages": pages,
        "paging": paging,
        "listed": listed,
    }


def main(sizes: list[int]) -> None:
    results = [run(size) for size in sizes]
    base = results[0]
    print(
        f"{'dossiers':>9} {'listed':>8} {'generate s':>11} {'pages':>6} {'pages/s':>8} "
        f"{'paging s':>9} {'total s':>8} {'× size':>7} {'× time':>7}"
    )
    for r in results:
        total = r["generation"] + r["paging"]
        base_total = base["generation"] + base["paging"]
        print(
            f"{r['size']:>9,} {r['listed']:>8,} {r['generation']:>11.2f} {r['pages']:>6} "
            f"{r['pages'] / r['paging']:>8.1f} {r['paging']:>9.2f} {total:>8.2f} "
            f"{r['size'] / base['size']:>7.1f} {total / base_total:>7.1f}"
        )


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    main(arguments)
