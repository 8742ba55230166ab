"""Search benchmark: `/ds cherche` on a large local index (SQLite FTS5), as dsbot runs it.

    python bench/bench_search.py                        # 100,000 dossiers, 1,000 searches
    python bench/bench_search.py --dossiers 20000 --searches 300

The index is filled with the store's own writes (`dsbot.store.index.upsert`,
`dsbot.store.search.upsert`), with French names, e-mails, SIRETs, labels and démarche titles
from the sandbox's vocabulary (seeded), over 12 démarches of 10 groupes each. Then searches
of what instructeurs type (a surname, a first name and a surname's beginning, an e-mail, a
SIRET written in groups, a number, a label, a démarche's word), without accents and in lower
case, each through `dsbot.services.search.find` on a fresh connection, half as an instructeur
of two groupes (the visibility filter) and half as an admin. Prints p50, p95, p99 and max;
the goal is p99 < 200 ms. Also times the merge that follows an erasure (`optimize`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dsbot.backends.port import DossierState
from dsbot.sandboxes.ds import vocab
from dsbot.services.search import find
from dsbot.store import Store, search
from dsbot.store import index as q
from dsbot.store.index import IndexEntry
from dsbot.store.search import SearchFields
from dsbot.store.sql import write

GOAL_P99_MS = 200.0
DEMARCHES = 12
GROUPES_PER_DEMARCHE = 10
INSTRUCTEUR = "Instructeur-bench"


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def fill(store: Store, count: int, rng: random.Random) -> list[tuple[int, SearchFields]]:
    now = datetime.now(UTC)
    titles = [str(d["title"]) for d in vocab.DEMARCHES]
    titles = [titles[i % len(titles)] for i in range(DEMARCHES)]
    states = list(DossierState)
    kept: list[tuple[int, SearchFields]] = []
    with write(store) as db:
        for groupe in (1, 2):
            db.execute(
                "INSERT INTO groupe_members (groupe_number, instructeur_id) VALUES (?, ?)",
                [groupe, INSTRUCTEUR],
            )
        for i in range(count):
            number = 100_000 + i
            demarche = i % DEMARCHES
            groupe = demarche * GROUPES_PER_DEMARCHE + rng.randrange(GROUPES_PER_DEMARCHE) + 1
            prenom = rng.choice(vocab.PRENOMS_F + vocab.PRENOMS_M)
            nom = rng.choice(vocab.NOMS)
            morale = rng.random() < 0.3
            siret = "".join(str(rng.randrange(10)) for _ in range(14)) if morale else ""
            fields = SearchFields(
                demandeur=f"{prenom} {nom}",
                email=f"{fold(prenom)}.{fold(nom)}{rng.randrange(100)}@"
                f"{rng.choice(vocab.USAGER_DOMAINS)}",
                siret=siret,
                labels=" ".join(rng.sample([lb[0] for lb in vocab.LABELS], 2)),
                demarche_title=titles[demarche],
            )
            depot = now - timedelta(days=rng.randrange(500))
            entry = IndexEntry(
                number=number,
                demarche_number=demarche + 1,
                demarche_title=titles[demarche],
                groupe_number=groupe,
                state=rng.choice(states),
                archived=False,
                date_depot=depot,
                state_since=depot,
                date_derniere_modification=depot,
            )
            q.upsert(db, entry, now)
            search.upsert(db, number, groupe, fields)
            if i % 97 == 0:
                kept.append((number, fields))
    return kept


def queries(samples: list[tuple[int, SearchFields]], count: int, rng: random.Random) -> list[str]:
    made: list[str] = []
    while len(made) < count:
        number, fields = rng.choice(samples)
        prenom, nom = fields.demandeur.split(" ", 1)
        kind = len(made) % 7
        if kind == 0:
            made.append(fold(nom))
        elif kind == 1:
            made.append(f"{fold(prenom)} {fold(nom)[:4]}")
        elif kind == 2:
            made.append(fields.email)
        elif kind == 3 and fields.siret:
            s = fields.siret
            made.append(f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}")
        elif kind == 4:
            made.append(str(number))
        elif kind == 5:
            made.append(fold(fields.labels.split()[0]))
        else:
            made.append(fold(fields.demarche_title.split()[-1])[:5])
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        store.migrate()
        started = time.perf_counter()
        samples = fill(store, args.dossiers, rng)
        filled = time.perf_counter() - started
        print(f"index: {args.dossiers} dossiers written in {filled:.1f} s")
        size = Path(store.path).stat().st_size
        print(f"database: {size / 1e6:.1f} MB")
        timings: list[float] = []
        results: list[int] = []
        for i, text in enumerate(queries(samples, args.searches, rng)):
            admin = i % 2 == 0
            t0 = time.perf_counter()
            found = find(store, text, instructeur_id=None if admin else INSTRUCTEUR, sees_all=admin)
            timings.append((time.perf_counter() - t0) * 1000)
            results.append(len(found))
        p99 = percentile(timings, 99)
        print(
            f"searches: {len(timings)}  p50 {percentile(timings, 50):.1f} ms"
            f"  p95 {percentile(timings, 95):.1f} ms  p99 {p99:.1f} ms"
            f"  max {max(timings):.1f} ms  (goal p99 < {GOAL_P99_MS:.0f} ms:"
            f" {'met' if p99 < GOAL_P99_MS else 'NOT met'})"
        )
        print(f"results per search: mean {statistics.mean(results):.1f}, max {max(results)}")
        with write(store) as db:
            search.delete(db, samples[0][0])
        t0 = time.perf_counter()
        with write(store) as db:
            search.optimize(db)
        print(f"optimize after an erasure: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
